// SQS over the signed AwsClient, JSON protocol (awsJson1_0, X-Amz-Target AmazonSQS.<Op>): the
// calls the S3 collector's notification mode makes. Messages are deleted only by the caller,
// after what they name is committed.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace trailwarden::aws {

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  int receive_count = 0;  // ApproximateReceiveCount; 0 when absent
  int64_t sent_us = 0;    // SentTimestamp; 0 when absent
};

// Parses a ReceiveMessage JSON response ("Messages" absent: none).
Result<std::vector<SqsMessage>> parse_receive_message(std::string_view json);

// The region named by a queue URL (https://sqs.<region>.amazonaws.com/...), or empty.
std::string sqs_region_from_url(std::string_view queue_url);

struct SqsDeleteFailure {
  std::string receipt_handle;
  std::string code;
  std::string message;
};

class SqsClient {
 public:
  // `region` empty: taken from the queue URL, else the config's, else us-east-1.
  SqsClient(std::shared_ptr<AwsClient> client, std::string queue_url, std::string region = {});

  // Long poll: wait_seconds 0..20 (clamped; also kept below the HTTP timeout).
  std::expected<std::vector<SqsMessage>, AwsError> receive(int max_messages, int wait_seconds,
                                                           int visibility_timeout);
  std::expected<void, AwsError> delete_message(std::string_view receipt_handle);
  // Up to 10 per request (split here); the entries SQS refused come back.
  std::expected<std::vector<SqsDeleteFailure>, AwsError> delete_messages(
      const std::vector<std::string>& receipt_handles);
  std::expected<void, AwsError> change_visibility(std::string_view receipt_handle, int seconds);
  // ApproximateNumberOfMessages (visible), or an error.
  std::expected<int64_t, AwsError> approximate_messages();

  const std::string& queue_url() const { return queue_url_; }

 private:
  std::expected<HttpResponse, AwsError> call(std::string_view op, std::string body);
  std::shared_ptr<AwsClient> client_;
  std::string queue_url_;
  std::string region_;
};

}  // namespace trailwarden::aws
