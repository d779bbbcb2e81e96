#include "sim/org.h"

#include "core/text.h"
#include "sim/record.h"

namespace trailwarden::sim {

std::string ui_iam_user(const Person& p, const Account& a, const std::string& key_id, bool console,
                        int64_t session_start) {
  std::string s = "{\"type\":\"IAMUser\",\"principalId\":\"" + p.principal_id + "\",\"arn\":";
  append_json_string(s, p.arn);
  s += ",\"accountId\":\"" + a.id + "\",\"accessKeyId\":\"" + key_id + "\",\"userName\":";
  append_json_string(s, p.user);
  if (console) {
    s += ",\"sessionContext\":{\"attributes\":{\"creationDate\":\"";
    append_time(s, session_start);
    s += "\",\"mfaAuthenticated\":\"true\"}}";
  }
  s += '}';
  return s;
}

std::string ui_assumed_role(const Account& a, const std::string& role_path,
                            const std::string& role_name, const std::string& role_id,
                            const std::string& session, const std::string& key_id,
                            int64_t session_start, const std::string& extra_context,
                            const std::string& invoked_by) {
  std::string s = "{\"type\":\"AssumedRole\",\"principalId\":";
  append_json_string(s, role_id + ":" + session);
  s += ",\"arn\":";
  append_json_string(s, "arn:aws:sts::" + a.id + ":assumed-role/" + role_name + "/" + session);
  s += ",\"accountId\":\"" + a.id + "\",\"accessKeyId\":\"" + key_id + "\"";
  s += ",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"principalId\":\"" + role_id +
       "\",\"arn\":";
  append_json_string(s, "arn:aws:iam::" + a.id + ":role/" + role_path + role_name);
  s += ",\"accountId\":\"" + a.id + "\",\"userName\":";
  append_json_string(s, role_name);
  s += "},\"webIdFederationData\":{}";
  s += ",\"attributes\":{\"creationDate\":\"";
  append_time(s, session_start);
  s += "\",\"mfaAuthenticated\":\"false\"}";
  s += extra_context;
  s += '}';
  if (!invoked_by.empty()) s += ",\"invokedBy\":\"" + invoked_by + "\"";
  s += '}';
  return s;
}

std::string ui_sso(const Person& p, const Account& a, const std::string& key_id,
                   int64_t session_start) {
  return ui_assumed_role(a, "aws-reserved/sso.amazonaws.com/", p.role_name, p.role_id, p.email,
                         key_id, session_start);
}

}  // namespace trailwarden::sim
