#include "sim/record.h"

#include "core/text.h"

namespace trailwarden::sim {
namespace {

void two(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10);
  out += static_cast<char>('0' + v % 10);
}

}  // namespace

Civil civil(int64_t seconds) {
  int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  int64_t rem = seconds - days * 86400;
  // H. Hinnant's civil_from_days.
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  Civil c{static_cast<int>(y + (m <= 2)),
          m,
          d,
          static_cast<unsigned>(rem / 3600),
          static_cast<unsigned>(rem % 3600 / 60),
          static_cast<unsigned>(rem % 60)};
  return c;
}

void append_time(std::string& out, int64_t seconds) {
  Civil c = civil(seconds);
  out += std::to_string(c.year);
  out += '-';
  two(out, c.month);
  out += '-';
  two(out, c.day);
  out += 'T';
  two(out, c.hour);
  out += ':';
  two(out, c.minute);
  out += ':';
  two(out, c.second);
  out += 'Z';
}

std::string format_time(int64_t seconds) {
  std::string s;
  append_time(s, seconds);
  return s;
}

void append_record(std::string& out, const Ev& ev, Rng& rng, std::string& event_id) {
  out += "{\"eventVersion\":\"";
  out += ev.version;
  out += "\",\"userIdentity\":";
  out += ev.identity;
  out += ",\"eventTime\":\"";
  append_time(out, ev.time);
  out += "\",\"eventSource\":\"";
  out += ev.source;
  out += "\",\"eventName\":\"";
  out += ev.name;
  out += "\",\"awsRegion\":\"";
  out += ev.region;
  out += "\",\"sourceIPAddress\":";
  append_json_string(out, ev.source_ip);
  out += ",\"userAgent\":";
  append_json_string(out, ev.agent);
  if (!ev.error_code.empty()) {
    out += ",\"errorCode\":";
    append_json_string(out, ev.error_code);
  }
  if (!ev.error_message.empty()) {
    out += ",\"errorMessage\":";
    append_json_string(out, ev.error_message);
  }
  out += ",\"requestParameters\":";
  out += ev.request;
  out += ",\"responseElements\":";
  out += ev.response;
  if (!ev.additional.empty()) {
    out += ",\"additionalEventData\":";
    out += ev.additional;
  }
  out += ",\"requestID\":\"";
  rng.append_uuid(out);
  out += "\",\"eventID\":\"";
  size_t id_at = out.size();
  rng.append_uuid(out);
  event_id.assign(out, id_at, 36);
  out += "\",\"readOnly\":";
  out += ev.read_only ? "true" : "false";
  if (!ev.resources.empty()) {
    out += ",\"resources\":";
    out += ev.resources;
  }
  out += ",\"eventType\":\"";
  out += ev.event_type;
  out += "\",\"managementEvent\":";
  out += ev.data_event ? "false" : "true";
  out += ",\"recipientAccountId\":\"";
  out += ev.account;
  out += "\"";
  if (!ev.vpc_endpoint.empty()) {
    out += ",\"vpcEndpointId\":\"";
    out += ev.vpc_endpoint;
    out += "\"";
  }
  out += ",\"eventCategory\":\"";
  out += ev.data_event ? "Data" : "Management";
  out += "\"";
  if (ev.console) out += ",\"sessionCredentialFromConsole\":\"true\"";
  if (ev.tls) {
    out +=
        ",\"tlsDetails\":{\"tlsVersion\":\"TLSv1.3\",\"cipherSuite\":\"TLS_AES_128_GCM_SHA256\","
        "\"clientProvidedHostHeader\":\"";
    std::string_view svc = ev.source.substr(0, ev.source.find('.'));
    if (svc == "iam" || svc == "signin")
      out += svc, out += ".amazonaws.com";
    else
      out += svc, out += '.', out += ev.region, out += ".amazonaws.com";
    out += "\"}";
  }
  out += '}';
}

}  // namespace trailwarden::sim
