#!/usr/bin/env python3
"""Writes the test fixtures of trailwarden's saved hunting queries and scheduled-SQL rules.

For each query or rule NAME this script is the source of truth for two files beside it:

  NAME.fixture.jsonl   CloudTrail records (GuardDuty findings for guardduty_*), one per line:
                       the positive cases the query must return and near misses it must not
  NAME.expect.json     the window and parameters to run with and what the result must hold
                       (see rules/hunting/README.md, "Fixtures and expectations")

Run `python3 tests/hunting/make_fixtures.py` after changing a case; `--check` reports files
that differ from what this script writes (the hunting tests run it so).

All records are invented for these tests. Addresses come from the documentation ranges
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), which the queries treat as public, and from
RFC 1918; account ids are AWS's documentation examples.
"""
import copy
import json
import os
import sys
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HUNTING = os.path.join(ROOT, "rules", "hunting")
SCHEDULED = os.path.join(ROOT, "rules", "scheduled")
NS = uuid.UUID("6f1d3a52-6c1e-4f0e-9a51-7d1c0e1b2a77")

ACCT = "111122223333"      # the monitored account
OTHER = "444455556666"     # another account (external caller, foreign key owner)
EVIL = "999988887777"      # an account nobody knows

DAY = "2024-03-10"
W1D = {"start": "2024-03-10T00:00:00Z", "end": "2024-03-11T00:00:00Z"}
W7D = {"start": "2024-03-04T00:00:00Z", "end": "2024-03-11T00:00:00Z"}
W30D = {"start": "2024-02-10T00:00:00Z", "end": "2024-03-11T00:00:00Z"}


# ---------------------------------------------------------------- record helpers

def eid(case, label):
    return str(uuid.uuid5(NS, f"{case}/{label}"))


def _key(seed, prefix):
    return prefix + uuid.uuid5(NS, seed).hex[:16].upper()


def iam_user(name, acct=ACCT, key=None):
    return {"type": "IAMUser", "principalId": _key("p" + name + acct, "AIDA"),
            "arn": f"arn:aws:iam::{acct}:user/{name}", "accountId": acct,
            "accessKeyId": key or _key("k" + name + acct, "AKIA"), "userName": name}


def user_arn(name, acct=ACCT):
    return f"arn:aws:iam::{acct}:user/{name}"


def assumed_role(role, session, acct=ACCT, key=None, mfa="false"):
    role_id = _key("r" + role + acct, "AROA")
    return {"type": "AssumedRole", "principalId": f"{role_id}:{session}",
            "arn": f"arn:aws:sts::{acct}:assumed-role/{role}/{session}", "accountId": acct,
            "accessKeyId": key or _key("s" + role + session + acct, "ASIA"),
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": role_id,
                                  "arn": f"arn:aws:iam::{acct}:role/{role}", "accountId": acct,
                                  "userName": role},
                "attributes": {"creationDate": f"{DAY}T00:00:00Z", "mfaAuthenticated": mfa}}}


def role_session_arn(role, session, acct=ACCT):
    return f"arn:aws:sts::{acct}:assumed-role/{role}/{session}"


def root(acct=ACCT):
    return {"type": "Root", "principalId": acct, "arn": f"arn:aws:iam::{acct}:root",
            "accountId": acct, "accessKeyId": _key("root" + acct, "ASIA"),
            "sessionContext": {"attributes": {"creationDate": f"{DAY}T00:00:00Z",
                                              "mfaAuthenticated": "true"}}}


def service(principal):
    return {"type": "AWSService", "invokedBy": principal}


def anonymous():
    return {"type": "AWSAccount", "principalId": "", "accountId": "ANONYMOUS_PRINCIPAL"}


CLI = "aws-cli/2.15.19 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/"
CONSOLE = "AWS Internal"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
BOTO = "Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/linux#6.5.0 lang/python#3.11.6"


def rec(case, label, source, name, time, who, ip="198.51.100.10", ua=None, rp=None, resp=None,
        aed=None, code=None, message=None, region="us-east-1", recipient=ACCT,
        etype="AwsApiCall", read_only=False, resources=None, category="Management", **extra):
    r = {"eventVersion": "1.09", "userIdentity": who, "eventTime": time,
         "eventSource": f"{source}.amazonaws.com" if "." not in source else source,
         "eventName": name, "awsRegion": region, "sourceIPAddress": ip,
         "userAgent": ua if ua is not None else CLI + f"{source}.{name.lower()}"}
    if code:
        r["errorCode"] = code
    if message:
        r["errorMessage"] = message
    r["requestParameters"] = rp
    r["responseElements"] = resp
    if aed is not None:
        r["additionalEventData"] = aed
    r["requestID"] = str(uuid.uuid5(NS, f"req/{case}/{label}"))
    r["eventID"] = eid(case, label)
    r["readOnly"] = read_only
    if resources is not None:
        r["resources"] = resources
    r["eventType"] = etype
    r["managementEvent"] = category == "Management"
    r["recipientAccountId"] = recipient
    r["eventCategory"] = category
    if ip and ip[0].isdigit() or ":" in (ip or ""):
        r["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                           "clientProvidedHostHeader": f"{source}.amazonaws.com"}
    r.update(extra)
    return r


def t(hms, day=DAY):
    return f"{day}T{hms}Z"


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


# ---------------------------------------------------------------- hunting queries

@case
def iam_policy_changes(c):
    mallory = iam_user("mallory")
    admin_policy = "arn:aws:iam::aws:policy/AdministratorAccess"
    recs = [
        rec(c, "attach", "iam", "AttachRolePolicy", t("09:12:40"), mallory, "203.0.113.15",
            rp={"roleName": "lambda-billing", "policyArn": admin_policy}),
        rec(c, "put-denied", "iam", "PutUserPolicy", t("09:14:02"), mallory, "203.0.113.15",
            code="AccessDenied",
            message=f"User: {user_arn('mallory')} is not authorized to perform: iam:PutUserPolicy "
                    f"on resource: user mallory because no identity-based policy allows the "
                    f"iam:PutUserPolicy action",
            rp={"userName": "mallory", "policyName": "s3-all",
                "policyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                                  '"Action":"s3:*","Resource":"*"}]}'}),
        rec(c, "new-version", "iam", "CreatePolicyVersion", t("10:01:00"),
            assumed_role("terraform", "pipeline-812"), "198.51.100.40",
            rp={"policyArn": f"arn:aws:iam::{ACCT}:policy/app-read",
                "policyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                                  '"Action":"dynamodb:GetItem","Resource":"*"}]}',
                "setAsDefault": True},
            resp={"policyVersion": {"versionId": "v4", "isDefaultVersion": True,
                                    "createDate": "Mar 10, 2024 10:01:00 AM"}}),
        # near misses: a read, and a change before the window
        rec(c, "nm-read", "iam", "ListAttachedRolePolicies", t("09:20:00"), mallory,
            "203.0.113.15", rp={"roleName": "lambda-billing"}, read_only=True),
        rec(c, "nm-early", "iam", "AttachRolePolicy", t("08:00:00", "2024-02-20"), mallory,
            "203.0.113.15", rp={"roleName": "old-role", "policyArn": admin_policy}),
    ]
    exp = dict(W7D, rows=[
        {"AwsEventId": eid(c, "attach"), "EventName": "AttachRolePolicy",
         "TargetPrincipal": "lambda-billing", "Policy": admin_policy, "Outcome": "ok",
         "Identity": user_arn("mallory"), "SourceIpAddress": "203.0.113.15", "AccountId": ACCT},
        {"AwsEventId": eid(c, "put-denied"), "Outcome": "fail", "ErrorCode": "AccessDenied",
         "Policy": "s3-all"},
        {"AwsEventId": eid(c, "new-version"), "PolicyVersion": "v4"}],
        absent=[eid(c, "nm-read"), eid(c, "nm-early")], row_count=3)
    return recs, exp


@case
def iam_user_group_changes(c):
    admin = assumed_role("AWSReservedSSO_Admin_0a1b2c3d", "alice@example.com", mfa="true")
    recs = [
        rec(c, "create", "iam", "CreateUser", t("11:00:00"), iam_user("mallory"), "203.0.113.15",
            rp={"userName": "support-backup"},
            resp={"user": {"path": "/", "userName": "support-backup",
                           "userId": "AIDAEXAMPLEBACKUP0001",
                           "arn": f"arn:aws:iam::{ACCT}:user/support-backup",
                           "createDate": "Mar 10, 2024 11:00:00 AM"}}),
        rec(c, "delete-group", "iam", "DeleteGroup", t("11:30:00"), admin, "198.51.100.23",
            ua=CONSOLE, rp={"groupName": "security-auditors"}),
        rec(c, "nm-failed", "iam", "CreateUser", t("11:01:00"), iam_user("mallory"),
            "203.0.113.15", code="EntityAlreadyExists",
            message="User with name support-backup already exists.",
            rp={"userName": "support-backup"}),
        rec(c, "nm-group", "iam", "CreateGroup", t("11:02:00"), admin, "198.51.100.23",
            ua=CONSOLE, rp={"groupName": "new-team"}),
    ]
    exp = dict(W7D, rows=[
        {"AwsEventId": eid(c, "create"), "Target": "support-backup",
         "NewUserArn": f"arn:aws:iam::{ACCT}:user/support-backup"},
        {"AwsEventId": eid(c, "delete-group"), "Target": "security-auditors",
         "Identity": role_session_arn("AWSReservedSSO_Admin_0a1b2c3d", "alice@example.com")}],
        absent=[eid(c, "nm-failed"), eid(c, "nm-group")], row_count=2)
    return recs, exp


@case
def instance_profile_role_swap(c):
    m = iam_user("mallory")
    a, b = iam_user("alice"), iam_user("bob")

    def op(label, name, time, who, ip, profile, role):
        return rec(c, label, "iam", name, time, who, ip,
                   rp={"instanceProfileName": profile, "roleName": role})
    recs = [
        op("remove", "RemoveRoleFromInstanceProfile", t("10:00:00"), m, "203.0.113.15",
           "web-profile", "web-app"),
        op("add", "AddRoleToInstanceProfile", t("10:04:30"), m, "203.0.113.15",
           "web-profile", "ops-admin"),
        # near misses: two different people; add before remove; more than a day apart
        op("nm-two-remove", "RemoveRoleFromInstanceProfile", t("12:00:00"), a, "198.51.100.5",
           "batch-profile", "batch"),
        op("nm-two-add", "AddRoleToInstanceProfile", t("12:10:00"), b, "198.51.100.6",
           "batch-profile", "batch-v2"),
        op("nm-order-add", "AddRoleToInstanceProfile", t("13:00:00"), m, "203.0.113.15",
           "old-profile", "legacy"),
        op("nm-order-remove", "RemoveRoleFromInstanceProfile", t("13:05:00"), m, "203.0.113.15",
           "old-profile", "legacy-2"),
        op("nm-slow-remove", "RemoveRoleFromInstanceProfile", t("08:00:00", "2024-03-05"), m,
           "203.0.113.15", "slow-profile", "a"),
        op("nm-slow-add", "AddRoleToInstanceProfile", t("15:00:00", "2024-03-06"), m,
           "203.0.113.15", "slow-profile", "b"),
    ]
    exp = dict(W7D, rows=[
        {"InstanceProfile": "web-profile", "RemovedRole": "web-app", "AddedRole": "ops-admin",
         "Identity": user_arn("mallory"), "SourceIpAddress": "203.0.113.15",
         "MinutesBetween": 4, "RemoveEventId": eid(c, "remove"), "AddEventId": eid(c, "add")}],
        absent=["batch-profile", "old-profile", "slow-profile"], row_count=1)
    return recs, exp


@case
def privileged_role_attached_to_instance(c):
    admin = iam_user("ops-alice")

    def attach(label, time, role, policy):
        return rec(c, label, "iam", "AttachRolePolicy", time, admin, "198.51.100.7",
                   rp={"roleName": role, "policyArn": f"arn:aws:iam::aws:policy/{policy}"})

    def add(label, time, role, profile):
        return rec(c, label, "iam", "AddRoleToInstanceProfile", time, admin, "198.51.100.7",
                   rp={"instanceProfileName": profile, "roleName": role})
    recs = [
        attach("grant", t("16:00:00", "2024-03-01"), "ci-runner", "AdministratorAccess"),
        attach("grant-2", t("16:01:00", "2024-03-01"), "ci-runner",
               "job-function/NetworkAdministrator"),
        add("add", t("09:30:00"), "ci-runner", "ci-runner-profile"),
        # near misses: a harmless policy; a grant older than 14 days
        attach("nm-reader-grant", t("09:00:00"), "reader", "ReadOnlyAccess"),
        add("nm-reader-add", t("09:31:00"), "reader", "reader-profile"),
        attach("nm-old-grant", t("09:00:00", "2024-02-20"), "old-admin", "AdministratorAccess"),
        add("nm-old-add", t("09:32:00"), "old-admin", "old-admin-profile"),
    ]
    exp = dict(W1D, rows=[
        {"AwsEventId": eid(c, "add"), "RoleName": "ci-runner",
         "InstanceProfile": "ci-runner-profile",
         "PrivilegedPolicies": ["arn:aws:iam::aws:policy/AdministratorAccess",
                                "arn:aws:iam::aws:policy/job-function/NetworkAdministrator"],
         "GrantEventIds": [eid(c, "grant"), eid(c, "grant-2")]}],
        absent=["reader-profile", "old-admin"], row_count=1)
    return recs, exp


@case
def new_assume_role_pair(c):
    def assume(label, time, who, ip, role, session, ua=BOTO):
        key = _key(f"{c}/{label}", "ASIA")
        return rec(c, label, "sts", "AssumeRole", time, who, ip, ua=ua,
                   rp={"roleArn": f"arn:aws:iam::{ACCT}:role/{role}", "roleSessionName": session},
                   resp={"credentials": {"accessKeyId": key, "sessionToken": "redacted",
                                         "expiration": "Mar 10, 2024 11:00:00 PM"},
                         "assumedRoleUser": {"assumedRoleId": f"AROAEXAMPLE:{session}",
                                             "arn": role_session_arn(role, session)}},
                   resources=[{"accountId": ACCT, "type": "AWS::IAM::Role",
                               "ARN": f"arn:aws:iam::{ACCT}:role/{role}"}], read_only=True)
    alice, mallory, ci = iam_user("alice"), iam_user("mallory"), iam_user("ci-deployer")
    recs = [
        # baseline: alice (a person: no invokedBy) used prod-admin; ci used deploy; EC2 web-role
        assume("base-alice", t("10:00:00", "2024-03-01"), alice, "198.51.100.5", "prod-admin",
               "alice"),
        assume("base-ci", t("10:00:00", "2024-03-02"), ci, "198.51.100.40", "deploy", "ci"),
        assume("base-ec2", t("10:00:00", "2024-03-03"), service("ec2.amazonaws.com"),
               "ec2.amazonaws.com", "web-role", "i-0a1b2c3d4e5f60718", ua="ec2.amazonaws.com"),
        # window. fix: mallory's pair is new although a person assumed prod-admin before, which
        # the reference (caller = invokedBy only, empty for both) counted as the same pair
        assume("new", t("14:00:00"), mallory, "203.0.113.15", "prod-admin", "mallory"),
        assume("nm-ci", t("14:05:00"), ci, "198.51.100.40", "deploy", "ci"),
        assume("nm-ec2", t("14:06:00"), service("ec2.amazonaws.com"), "ec2.amazonaws.com",
               "web-role", "i-0a1b2c3d4e5f60718", ua="ec2.amazonaws.com"),
    ]
    exp = dict(W1D, rows=[
        {"Identity": user_arn("mallory"), "RoleArn": f"arn:aws:iam::{ACCT}:role/prod-admin",
         "SourceIpAddresses": ["203.0.113.15"], "AwsEventIds": [eid(c, "new")]}],
        absent=[eid(c, "nm-ci"), eid(c, "nm-ec2")], row_count=1)
    return recs, exp


@case
def unused_regions(c):
    a = iam_user("alice")
    m = iam_user("mallory")
    recs = [
        rec(c, "base-use1", "ec2", "DescribeInstances", t("09:00:00", "2024-03-01"), a,
            "198.51.100.5", read_only=True, rp={"instancesSet": {}}),
        rec(c, "base-euw1", "s3", "ListBuckets", t("09:00:00", "2024-03-02"), a,
            "198.51.100.5", region="eu-west-1", read_only=True, rp={"Host": "s3.amazonaws.com"}),
        rec(c, "nm-use1", "ec2", "DescribeInstances", t("09:00:00"), a, "198.51.100.5",
            read_only=True, rp={"instancesSet": {}}),
        rec(c, "nm-euw1", "s3", "ListBuckets", t("09:10:00"), a, "198.51.100.5",
            region="eu-west-1", read_only=True, rp={"Host": "s3.amazonaws.com"}),
        rec(c, "new-1", "ec2", "DescribeInstanceTypeOfferings", t("03:12:00"), m, "203.0.113.15",
            region="ap-southeast-3", read_only=True, rp={"locationType": "region"}),
        rec(c, "new-2", "ec2", "RunInstances", t("03:14:00"), m, "203.0.113.15",
            region="ap-southeast-3",
            rp={"instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890", "minCount": 10,
                                            "maxCount": 10}]}, "instanceType": "c5.4xlarge"},
            code="Client.UnauthorizedOperation",
            message="You are not authorized to perform this operation."),
    ]
    exp = dict(W1D, rows=[
        {"AccountId": ACCT, "AWSRegion": "ap-southeast-3", "Events": 2,
         "EventNames": ["DescribeInstanceTypeOfferings", "RunInstances"],
         "SourceIpAddresses": ["203.0.113.15"]}], row_count=1)
    return recs, exp


@case
def assume_role_bruteforce(c):
    def denied(label, time, who, ip, role, target_acct=OTHER):
        arn = f"arn:aws:iam::{target_acct}:role/{role}"
        return rec(c, label, "sts", "AssumeRole", time, who, ip, ua=BOTO, code="AccessDenied",
                   message=f"User: {who['arn']} is not authorized to perform: sts:AssumeRole on "
                           f"resource: {arn}",
                   rp={"roleArn": arn, "roleSessionName": "enum"}, read_only=True,
                   recipient=who["accountId"])

    def ok(label, time, who, ip, role):
        arn = f"arn:aws:iam::{OTHER}:role/{role}"
        return rec(c, label, "sts", "AssumeRole", time, who, ip, ua=BOTO, read_only=True,
                   rp={"roleArn": arn, "roleSessionName": "x"},
                   resp={"credentials": {"accessKeyId": _key(label, "ASIA"),
                                         "sessionToken": "redacted", "expiration": "x"}})
    m, b, d = iam_user("mallory"), iam_user("bob"), iam_user("dave")
    recs = [
        denied("m1", t("02:00:01"), m, "203.0.113.15", "admin"),
        denied("m2", t("02:00:02"), m, "203.0.113.15", "OrganizationAccountAccessRole"),
        denied("m3", t("02:00:03"), m, "203.0.113.15", "admin"),
        denied("m4", t("02:00:04"), m, "203.0.113.15", "deploy"),
        # near misses: two roles only (however many tries); a third role that succeeded
        *[denied(f"nm-b{i}", t(f"03:00:0{i}"), b, "198.51.100.8", "admin" if i % 2 else "ops")
          for i in range(5)],
        denied("nm-d1", t("04:00:01"), d, "198.51.100.9", "a"),
        denied("nm-d2", t("04:00:02"), d, "198.51.100.9", "b"),
        ok("nm-d3", t("04:00:03"), d, "198.51.100.9", "c"),
    ]
    exp = dict(W1D, rows=[
        {"Identity": user_arn("mallory"), "SourceIpAddress": "203.0.113.15", "DistinctRoles": 3,
         "Attempts": 4, "RoleArns": [f"arn:aws:iam::{OTHER}:role/admin"]}],
        absent=[user_arn("bob"), user_arn("dave")], row_count=1)
    return recs, exp


@case
def s3_versioning_suspended(c):
    m = iam_user("mallory")

    def put(label, status, **kw):
        return rec(c, label, "s3", "PutBucketVersioning", t("05:00:00"), m, "203.0.113.15",
                   rp={"bucketName": f"acme-{label}", "Host": f"acme-{label}.s3.amazonaws.com",
                       "versioning": "",
                       "VersioningConfiguration": {
                           "Status": status,
                           "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}}, **kw)
    recs = [put("finance", "Suspended"),
            put("nm-enabled", "Enabled"),
            put("nm-denied", "Suspended", code="AccessDenied", message="Access Denied")]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "finance"), "BucketName": "acme-finance",
                           "VersioningStatus": "Suspended"}],
               absent=["nm-enabled", "nm-denied"], row_count=1)
    return recs, exp


@case
def access_key_created(c):
    admin, alice = iam_user("admin-ops"), iam_user("alice")

    def create(label, who, user=None, **kw):
        rp = {"userName": user} if user else None
        name = user or who["userName"]
        return rec(c, label, "iam", "CreateAccessKey", t("07:00:00"), who, "198.51.100.5",
                   rp=rp, resp=None if kw.get("code") else {
                       "accessKey": {"userName": name, "accessKeyId": _key(label, "AKIA"),
                                     "status": "Active", "createDate": "Mar 10, 2024 7:00:00 AM"}},
                   **kw)
    recs = [create("other", admin, "svc-backup"),
            create("self", alice),
            create("nm-failed", admin, "svc-reports", code="LimitExceeded",
                   message="Cannot exceed quota for AccessKeysPerUser: 2"),
            rec(c, "nm-list", "iam", "ListAccessKeys", t("07:01:00"), admin, "198.51.100.5",
                rp={"userName": "svc-backup"}, read_only=True)]
    exp = dict(W7D, rows=[
        {"AwsEventId": eid(c, "other"), "TargetUser": "svc-backup", "CallerIsNotTarget": True,
         "NewAccessKeyId": _key("other", "AKIA")},
        {"AwsEventId": eid(c, "self"), "TargetUser": "alice", "CallerIsNotTarget": False}],
        absent=[eid(c, "nm-failed"), eid(c, "nm-list")], row_count=2)
    return recs, exp


@case
def login_profile_created(c):
    m = iam_user("mallory")
    recs = [
        rec(c, "create", "iam", "CreateLoginProfile", t("08:00:00"), m, "203.0.113.15",
            rp={"userName": "bob", "passwordResetRequired": False}),
        rec(c, "nm-failed", "iam", "CreateLoginProfile", t("08:01:00"), m, "203.0.113.15",
            code="EntityAlreadyExists", message="Login Profile for user carol already exists.",
            rp={"userName": "carol", "passwordResetRequired": False}),
        rec(c, "nm-delete", "iam", "DeleteLoginProfile", t("08:02:00"), m, "203.0.113.15",
            rp={"userName": "dave"})]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "create"), "TargetUser": "bob",
                           "CallerIsNotTarget": True, "PasswordResetRequired": "false"}],
               absent=[eid(c, "nm-failed"), eid(c, "nm-delete")], row_count=1)
    return recs, exp


def _run_instances(c, label, time, who, ip, items, key_name=None, user_data=True, ua=None,
                   instance_type=None, **kw):
    rp = {"instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890",
                                      "minCount": len(items), "maxCount": len(items)}]},
          "instanceType": instance_type or items[0]["instanceType"],
          "blockDeviceMapping": {}, "monitoring": {"enabled": False},
          "disableApiTermination": False, "disableApiStop": False, "clientToken": label}
    if key_name:
        rp["keyName"] = key_name
    if user_data:
        rp["userData"] = "<sensitiveDataRemoved>"
    resp_items = []
    for n, it in enumerate(items):
        item = {"instanceId": f"i-{uuid.uuid5(NS, f'{c}/{label}/{n}').hex[:17]}",
                "imageId": "ami-0abcdef1234567890",
                "instanceState": {"code": 0, "name": "pending"},
                "instanceType": it["instanceType"], "launchTime": 0,
                "placement": {"availabilityZone": "us-east-1a", "tenancy": "default"},
                "monitoring": {"state": "disabled"}, "subnetId": "subnet-0123456789abcdef0",
                "vpcId": "vpc-0123456789abcdef0", "privateIpAddress": f"10.0.1.{10 + n}",
                "amiLaunchIndex": n}
        if "cores" in it:
            item["cpuOptions"] = {"coreCount": it["cores"], "threadsPerCore": it["threads"]}
        if key_name:
            item["keyName"] = key_name
        resp_items.append(item)
    resp = {"requestId": str(uuid.uuid5(NS, label)), "reservationId": "r-0123456789abcdef0",
            "ownerId": ACCT, "groupSet": {}, "instancesSet": {"items": resp_items}}
    return rec(c, label, "ec2", "RunInstances", time, who, ip, ua=ua, rp=rp, resp=resp, **kw)


@case
def ec2_launched_without_key_pair(c):
    m = iam_user("mallory")
    asg = assumed_role("AWSServiceRoleForAutoScaling", "AutoScaling")
    asg["invokedBy"] = "autoscaling.amazonaws.com"
    one = [{"instanceType": "c5.xlarge", "cores": 2, "threads": 2}]
    recs = [
        _run_instances(c, "nokey", t("06:00:00"), m, "203.0.113.15", one),
        _run_instances(c, "nm-key", t("06:01:00"), m, "203.0.113.15", one, key_name="ops-2024"),
        _run_instances(c, "nm-nodata", t("06:02:00"), m, "203.0.113.15", one, user_data=False),
        _run_instances(c, "nm-asg", t("06:03:00"), asg, "autoscaling.amazonaws.com", one,
                       ua="autoscaling.amazonaws.com"),
    ]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "nokey"), "InstanceType": "c5.xlarge",
                           "Identity": user_arn("mallory"), "ImageId": "ami-0abcdef1234567890"}],
               absent=[eid(c, x) for x in ("nm-key", "nm-nodata", "nm-asg")], row_count=1)
    return recs, exp


def _ecr_records(c):
    dev = iam_user("dev-sam")

    def scan(label, time, repo, digest, counts):
        return rec(c, label, "ecr", "DescribeImageScanFindings", time, dev, "198.51.100.31",
                   rp={"repositoryName": repo, "imageId": {"imageDigest": digest},
                       "maxResults": 100}, read_only=True,
                   resp={"registryId": ACCT, "repositoryName": repo,
                         "imageId": {"imageDigest": digest, "imageTag": "1.4.2"},
                         "imageScanStatus": {"status": "COMPLETE",
                                             "description": "The scan was completed successfully."},
                         "imageScanFindings": {"imageScanCompletedAt": 1710050000.0,
                                               "vulnerabilitySourceUpdatedAt": 1710000000.0,
                                               "findingSeverityCounts": counts}})
    web = "sha256:" + "a1" * 32
    api = "sha256:" + "b2" * 32
    return web, api, [
        scan("web-1", t("10:00:00"), "web", web, {"LOW": 3, "INFORMATIONAL": 2}),
        scan("web-2", t("12:00:00"), "web", web, {"LOW": 5, "INFORMATIONAL": 2}),
        scan("api-1", t("10:05:00"), "api", api, {"MEDIUM": 3, "HIGH": 1}),
    ]


@case
def ecr_findings_low(c):
    web, api, recs = _ecr_records(c)
    exp = dict(W7D, rows=[{"Repository": "web", "ImageDigest": web, "LowFindings": 5,
                           "Reads": 2, "AwsEventIds": [eid(c, "web-1"), eid(c, "web-2")]}],
               absent=[api], row_count=1)
    return recs, exp


@case
def ecr_findings_medium(c):
    web, api, recs = _ecr_records(c)
    exp = dict(W7D, rows=[{"Repository": "api", "ImageDigest": api, "MediumFindings": 3,
                           "HighFindings": 1, "Reads": 1}],
               absent=[web], row_count=1)
    return recs, exp


@case
def enumeration_burst(c):
    def sweep(prefix, who, ip, names, ua=None, regions=("us-east-1",)):
        out = []
        for n, (svc, name) in enumerate(names):
            out.append(rec(c, f"{prefix}-{n}", svc, name, t(f"01:{10 + n:02d}:00"), who, ip,
                           ua=ua or CLI + f"{svc}.{name.lower()}",
                           region=regions[n % len(regions)], read_only=True, rp=None))
        return out
    five = [("s3", "ListBuckets"), ("ec2", "DescribeInstances"), ("sts", "GetCallerIdentity"),
            ("iam", "ListUsers"), ("iam", "ListRoles")]
    recs = [
        *sweep("m", iam_user("mallory"), "203.0.113.15", five, regions=("us-east-1", "eu-west-1")),
        # near misses: private address; not the CLI; only three names; an AWS address
        *sweep("nm-a", iam_user("alice"), "10.1.2.3", five),
        *sweep("nm-b", iam_user("bob"), "198.51.100.20", five, ua=BOTO),
        *sweep("nm-c", iam_user("carol"), "198.51.100.30", five[:3] * 2),
        *sweep("nm-d", iam_user("dave"), "52.95.110.5", five),
    ]
    exp = dict(W1D, params={"aws_cidrs": "'52.95.110.0/24, 3.5.0.0/19'"}, rows=[
        {"Identity": user_arn("mallory"), "SourceIpAddress": "203.0.113.15",
         "DistinctEventNames": 5, "RegionCount": 2,
         "Services": ["ec2.amazonaws.com", "iam.amazonaws.com", "s3.amazonaws.com",
                      "sts.amazonaws.com"]}],
        absent=[user_arn(u) for u in ("alice", "bob", "carol", "dave")], row_count=1)
    return recs, exp


@case
def s3_failed_key_bruteforce(c):
    def get(label, n, who, ip, key, bucket="acme-public", ok=False, code="AccessDenied"):
        r = rec(c, f"{label}-{n}", "s3", "GetObject", t(f"04:{n // 60:02d}:{n % 60:02d}"), who, ip,
                ua="python-requests/2.31.0",
                rp={"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com", "key": key},
                resp=None, read_only=True, category="Data",
                code=None if ok else code, message=None if ok else
                ("Access Denied" if code == "AccessDenied" else "The specified key does not exist."),
                resources=[{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
                           {"accountId": ACCT, "type": "AWS::S3::Bucket",
                            "ARN": f"arn:aws:s3:::{bucket}"}],
                aed={"SignatureVersion": "SigV4", "bytesTransferredIn": 0,
                     "bytesTransferredOut": 1024 if ok else 243})
        return r
    ext = iam_user("scanner", acct=OTHER)
    own = iam_user("reports", acct=ACCT)
    recs = [
        *[get("anon", n, anonymous(), "203.0.113.77", f"exports/2024/invoice-{n:04d}.pdf",
              code="AccessDenied" if n % 3 else "NoSuchKey") for n in range(21)],
        # fix: successful anonymous reads are not a failed brute force (the reference kept these)
        *[get("nm-okanon", n, anonymous(), "203.0.113.88", f"site/img-{n}.png", ok=True)
          for n in range(25)],
        # near misses: an external account on 20 keys only; the bucket's own account
        *[get("nm-ext", n, ext, "198.51.100.44", f"k/{n}") for n in range(20)],
        *[get("nm-own", n, own, "198.51.100.45", f"r/{n}") for n in range(25)],
    ]
    exp = dict(W1D, rows=[{"CallerAccountId": "ANONYMOUS_PRINCIPAL",
                           "SourceIpAddress": "203.0.113.77", "BucketName": "acme-public",
                           "DistinctKeys": 21, "FailedReads": 21,
                           "ErrorCodes": ["AccessDenied", "NoSuchKey"]}],
               absent=["203.0.113.88", "198.51.100.44", "198.51.100.45"], row_count=1)
    return recs, exp


@case
def console_failed_logins_without_mfa(c):
    def login(label, n, user, ip, mfa="No", ok=False):
        who = {"type": "IAMUser", "principalId": _key("p" + user, "AIDA") if
               user != "HIDDEN_DUE_TO_SECURITY_REASONS" else ACCT, "accountId": ACCT,
               "accessKeyId": "", "userName": user}
        return rec(c, f"{label}-{n}", "signin", "ConsoleLogin", t(f"05:{n:02d}:11"), who, ip,
                   ua=BROWSER, etype="AwsConsoleSignIn", rp=None,
                   resp={"ConsoleLogin": "Success" if ok else "Failure"},
                   message=None if ok else "Failed authentication",
                   aed={"LoginTo": "https://console.aws.amazon.com/console/home",
                        "MobileVersion": "No", "MFAUsed": mfa})
    recs = [
        *[login("carol", n, "carol", "203.0.113.9") for n in range(5)],
        *[login("nm-dave", n, "dave", "203.0.113.10") for n in range(4)],
        *[login("nm-hidden", n, "HIDDEN_DUE_TO_SECURITY_REASONS", "203.0.113.11") for n in range(8)],
        *[login("nm-erin", n, "erin", "203.0.113.12", mfa="Yes") for n in range(6)],
        login("nm-carol-ok", 9, "carol", "203.0.113.9", ok=True),
    ]
    exp = dict(W1D, rows=[{"UserName": "carol", "SourceIpAddress": "203.0.113.9",
                           "FailedLogins": 5}],
               absent=["203.0.113.10", "203.0.113.11", "203.0.113.12",
                       eid(c, "nm-carol-ok-9")], row_count=1)
    return recs, exp


@case
def iam_access_denied_discovery(c):
    intern = iam_user("intern")
    calls = [("iam", "ListUsers", "AccessDenied"), ("s3", "ListBuckets", "AccessDenied"),
             ("ec2", "DescribeInstances", "Client.UnauthorizedOperation"),
             ("secretsmanager", "ListSecrets", "AccessDeniedException"),
             ("kms", "ListKeys", "AccessDeniedException"),
             ("lambda", "ListFunctions20150331", "AccessDeniedException")]

    def denied(label, n, who, ip, hour, ua=None):
        svc, name, code = calls[n % len(calls)]
        return rec(c, f"{label}-{n}", svc, name, t(f"{hour}:{10 + n:02d}:00"), who, ip, ua=ua,
                   code=code, message=f"User: {who.get('arn')} is not authorized to perform: "
                                      f"{svc}:{name}", read_only=True)
    cfn = iam_user("deployer")
    recs = [
        *[denied("intern", n, intern, "203.0.113.5", "10") for n in range(6)],
        # near misses: four in another hour; an AWS service's user agent; a role, not a user
        *[denied("nm-later", n, intern, "203.0.113.5", "12") for n in range(4)],
        *[denied("nm-cfn", n, cfn, "cloudformation.amazonaws.com", "10",
                 ua="cloudformation.amazonaws.com") for n in range(6)],
        *[denied("nm-role", n, assumed_role("app", "app-1"), "198.51.100.60", "10")
          for n in range(6)],
    ]
    exp = dict(W1D, rows=[{"UserName": "intern", "SourceIpAddress": "203.0.113.5",
                           "DeniedCalls": 6, "DistinctEventNames": 6,
                           "Hour": "2024-03-10T10:00:00Z"}],
               absent=[user_arn("deployer"), "assumed-role/app"], row_count=1)
    return recs, exp


@case
def lambda_throttled(c):
    m = iam_user("mallory")

    def put(label, fn, n, **kw):
        return rec(c, label, "lambda", "PutFunctionConcurrency20171031", t("03:00:00"), m,
                   "203.0.113.15", rp={"functionName": fn, "reservedConcurrentExecutions": n},
                   resp=None if kw.get("code") else {"reservedConcurrentExecutions": n}, **kw)
    recs = [put("zero", "guardduty-remediator", 0),
            put("nm-fifty", "image-resizer", 50),
            put("nm-denied", "log-shipper", 0, code="AccessDeniedException",
                message="not authorized")]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "zero"), "FunctionName": "guardduty-remediator",
                           "ReservedConcurrentExecutions": 0}],
               absent=["image-resizer", "log-shipper"], row_count=1)
    return recs, exp


@case
def lambda_layer_external_account(c):
    dev = iam_user("dev-sam")
    own = f"arn:aws:lambda:us-east-1:{ACCT}:layer:shared-utils:7"
    insights = "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:38"
    adot = "arn:aws:lambda:us-east-1:901920570463:layer:aws-otel-python-amd64-ver-1-20-0:3"
    bad = f"arn:aws:lambda:us-east-1:{EVIL}:layer:fast-json:2"
    recs = [
        rec(c, "create", "lambda", "CreateFunction20150331", t("13:00:00"), dev, "198.51.100.31",
            rp={"functionName": "billing-export", "runtime": "python3.12",
                "role": f"arn:aws:iam::{ACCT}:role/billing-export", "handler": "app.handler",
                "code": {}, "layers": [own, insights, bad]},
            resp={"functionName": "billing-export",
                  "functionArn": f"arn:aws:lambda:us-east-1:{ACCT}:function:billing-export",
                  "layers": [{"arn": own, "codeSize": 1000}, {"arn": insights, "codeSize": 2000},
                             {"arn": bad, "codeSize": 3000}]}),
        rec(c, "nm-update", "lambda", "UpdateFunctionConfiguration20150331v2", t("13:10:00"), dev,
            "198.51.100.31", rp={"functionName": "status-page", "layers": [own, adot]},
            resp={"functionName": "status-page"}),
        rec(c, "nm-nolayers", "lambda", "CreateFunction20150331", t("13:20:00"), dev,
            "198.51.100.31", rp={"functionName": "plain", "runtime": "python3.12",
                                 "handler": "app.handler", "code": {}},
            resp={"functionName": "plain"}),
    ]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "create"), "FunctionName": "billing-export",
                           "ExternalLayers": [bad], "LayerAccounts": [EVIL]}],
               absent=["580247275435", "shared-utils", "status-page", eid(c, "nm-nolayers")],
               row_count=1)
    return recs, exp


@case
def lambda_code_updated(c):
    def upd(label, who, fn, **kw):
        return rec(c, label, "lambda", "UpdateFunctionCode20150331v2", t("15:00:00"), who,
                   "198.51.100.31", rp={"functionName": fn, "zipFile": "<sensitiveDataRemoved>",
                                        "publish": True},
                   resp=None if kw.get("code") else {"functionName": fn,
                                                     "codeSha256": "a" * 43 + "=",
                                                     "version": "12"}, **kw)
    recs = [upd("user", iam_user("dev-sam"), "payments-webhook"),
            upd("nm-pipeline", assumed_role("codepipeline-deploy", "deploy-991"), "orders-api"),
            upd("nm-denied", iam_user("intern"), "payroll", code="AccessDeniedException",
                message="not authorized")]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "user"), "FunctionName": "payments-webhook",
                           "UserName": "dev-sam"}],
               absent=["orders-api", "payroll"], row_count=1)
    return recs, exp


@case
def login_profile_updated(c):
    admin = iam_user("helpdesk")
    recs = [
        rec(c, "update", "iam", "UpdateLoginProfile", t("09:00:00"), admin, "198.51.100.70",
            rp={"userName": "bob", "passwordResetRequired": True}),
        rec(c, "nm-get", "iam", "GetLoginProfile", t("09:01:00"), admin, "198.51.100.70",
            rp={"userName": "bob"}, read_only=True)]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "update"), "TargetUser": "bob",
                           "CallerIsNotTarget": True, "PasswordResetRequired": "true"}],
               absent=[eid(c, "nm-get")], row_count=1)
    return recs, exp


@case
def route_table_changes(c):
    m = iam_user("mallory")
    recs = [
        rec(c, "create", "ec2", "CreateRoute", t("02:00:00"), m, "203.0.113.15",
            rp={"routeTableId": "rtb-0a1b2c3d4e5f60718", "destinationCidrBlock": "0.0.0.0/0",
                "instanceId": "i-0badc0ffee0123456"}, resp={"_return": True}),
        rec(c, "delete", "ec2", "DeleteRoute", t("02:01:00"), m, "203.0.113.15",
            rp={"routeTableId": "rtb-0a1b2c3d4e5f60718",
                "destinationCidrBlock": "10.20.0.0/16"}, resp={"_return": True}),
        rec(c, "nm-apigw", "apigateway", "CreateRoute", t("02:02:00"), m, "203.0.113.15",
            rp={"apiId": "a1b2c3d4e5", "routeKey": "GET /pets"}),
        rec(c, "nm-failed", "ec2", "ReplaceRoute", t("02:03:00"), m, "203.0.113.15",
            code="InvalidRoute.NotFound", message="no route",
            rp={"routeTableId": "rtb-0fedcba9876543210", "destinationCidrBlock": "0.0.0.0/0",
                "gatewayId": "igw-0123456789abcdef0"})]
    exp = dict(W7D, rows=[
        {"AwsEventId": eid(c, "create"), "RouteTableId": "rtb-0a1b2c3d4e5f60718",
         "Destination": "0.0.0.0/0", "Target": "i-0badc0ffee0123456"},
        {"AwsEventId": eid(c, "delete"), "EventName": "DeleteRoute"}],
        absent=[eid(c, "nm-apigw"), "rtb-0fedcba9876543210"], row_count=2)
    return recs, exp


@case
def subnet_attribute_changes(c):
    m = iam_user("mallory")
    recs = [
        rec(c, "modify", "ec2", "ModifySubnetAttribute", t("02:00:00"), m, "203.0.113.15",
            rp={"subnetId": "subnet-0aa11bb22cc33dd44", "mapPublicIpOnLaunch": {"value": True}},
            resp={"_return": True}),
        rec(c, "nm-denied", "ec2", "ModifySubnetAttribute", t("02:01:00"), m, "203.0.113.15",
            code="Client.UnauthorizedOperation", message="not authorized",
            rp={"subnetId": "subnet-0ee55ff66aa77bb88", "mapPublicIpOnLaunch": {"value": True}})]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "modify"), "SubnetId": "subnet-0aa11bb22cc33dd44",
                           "ChangedAttributes": ["mapPublicIpOnLaunch"]}],
               absent=["subnet-0ee55ff66aa77bb88"], row_count=1)
    return recs, exp


@case
def vpc_attribute_changes(c):
    m = iam_user("mallory")
    recs = [
        rec(c, "modify", "ec2", "ModifyVpcAttribute", t("02:00:00"), m, "203.0.113.15",
            rp={"vpcId": "vpc-0aa11bb22cc33dd44", "enableDnsSupport": {"value": False}},
            resp={"_return": True}),
        rec(c, "nm-describe", "ec2", "DescribeVpcAttribute", t("02:01:00"), m, "203.0.113.15",
            rp={"vpcId": "vpc-0aa11bb22cc33dd44", "attribute": "enableDnsSupport"},
            read_only=True)]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "modify"), "VpcId": "vpc-0aa11bb22cc33dd44",
                           "ChangedAttributes": ["enableDnsSupport"]}],
               absent=[eid(c, "nm-describe")], row_count=1)
    return recs, exp


@case
def nacl_ingress_entry_deleted(c):
    m = iam_user("mallory")

    def delete(label, acl, egress):
        return rec(c, label, "ec2", "DeleteNetworkAclEntry", t("02:00:00"), m, "203.0.113.15",
                   rp={"networkAclId": acl, "ruleNumber": 90, "egress": egress},
                   resp={"_return": True})
    recs = [delete("ingress", "acl-0aa11bb22cc33dd44", False),
            delete("nm-egress", "acl-0ee55ff66aa77bb88", True)]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "ingress"), "NetworkAclId": "acl-0aa11bb22cc33dd44",
                           "RuleNumber": 90}],
               absent=["acl-0ee55ff66aa77bb88"], row_count=1)
    return recs, exp


@case
def root_access_key_created(c):
    recs = [
        rec(c, "root", "iam", "CreateAccessKey", t("22:00:00", "2024-02-25"), root(),
            "203.0.113.15", ua=CONSOLE, rp=None,
            resp={"accessKey": {"accessKeyId": "AKIAROOTEXAMPLE00001", "status": "Active",
                                "createDate": "Feb 25, 2024 10:00:00 PM"}}),
        rec(c, "root-denied", "iam", "CreateAccessKey", t("22:01:00", "2024-02-25"), root(),
            "203.0.113.15", ua=CONSOLE, rp=None, code="LimitExceeded",
            message="Cannot exceed quota for AccessKeysPerUser: 2"),
        rec(c, "nm-user", "iam", "CreateAccessKey", t("22:00:00", "2024-02-26"), iam_user("alice"),
            "198.51.100.5", rp=None, resp={"accessKey": {"accessKeyId": "AKIAUSEREXAMPLE0001"}})]
    exp = dict(W30D, rows=[{"AwsEventId": eid(c, "root"), "NewAccessKeyId": "AKIAROOTEXAMPLE00001",
                            "Outcome": "ok", "Identity": f"arn:aws:iam::{ACCT}:root"},
                           {"AwsEventId": eid(c, "root-denied"), "Outcome": "fail",
                            "ErrorCode": "LimitExceeded"}],
               absent=[eid(c, "nm-user")], row_count=2)
    return recs, exp


@case
def policy_version_wildcard(c):
    m = iam_user("mallory")

    def version(label, policy, doc, name="CreatePolicyVersion"):
        return rec(c, label, "iam", name, t("03:00:00"), m, "203.0.113.15",
                   rp={"policyArn": f"arn:aws:iam::{ACCT}:policy/{policy}",
                       "policyDocument": doc, "setAsDefault": True},
                   resp={"policyVersion": {"versionId": "v2", "isDefaultVersion": True}})
    split = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["ec2:DescribeInstances", "iam:*"], "Resource": "*"}]})
    encoded = ("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A"
               "%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D")
    deny_only = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]})
    recs = [
        # fix: the wildcard is the second action of the second statement
        version("split", "app-read", split),
        version("encoded", "ops-tools", encoded),
        version("nm-deny", "mfa-guard", deny_only),
        version("nm-create", "brand-new", json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}), name="CreatePolicy"),
        version("nm-garbage", "broken", "{not json"),
    ]
    exp = dict(W7D, rows=[
        {"AwsEventId": eid(c, "split"), "PolicyArn": f"arn:aws:iam::{ACCT}:policy/app-read",
         "WildcardActions": ["iam:*"], "VersionId": "v2"},
        {"AwsEventId": eid(c, "encoded"), "PolicyArn": f"arn:aws:iam::{ACCT}:policy/ops-tools",
         "WildcardActions": ["*"]}],
        absent=["mfa-guard", "brand-new", "policy/broken"], row_count=2)
    return recs, exp


@case
def rds_master_password_changed(c):
    m = iam_user("mallory")
    recs = [
        rec(c, "instance", "rds", "ModifyDBInstance", t("04:00:00"), m, "203.0.113.15",
            rp={"dBInstanceIdentifier": "orders-db", "masterUserPassword": "****",
                "applyImmediately": True}, resp={"dBInstanceIdentifier": "orders-db"}),
        rec(c, "cluster", "rds", "ModifyDBCluster", t("04:05:00"), m, "203.0.113.15",
            rp={"dBClusterIdentifier": "analytics", "masterUserPassword": "****",
                "applyImmediately": True}, resp={"dBClusterIdentifier": "analytics"}),
        rec(c, "nm-storage", "rds", "ModifyDBInstance", t("04:10:00"), m, "203.0.113.15",
            rp={"dBInstanceIdentifier": "reports-db", "allocatedStorage": 200,
                "applyImmediately": False}, resp={"dBInstanceIdentifier": "reports-db"})]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "instance"), "DatabaseIdentifier": "orders-db"},
                          {"AwsEventId": eid(c, "cluster"), "DatabaseIdentifier": "analytics"}],
               absent=["reports-db"], row_count=2)
    return recs, exp


@case
def risky_role_name(c):
    m = iam_user("mallory")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{EVIL}:root"},
         "Action": "sts:AssumeRole"}]})

    def create(label, name, time):
        return rec(c, label, "iam", "CreateRole", time, m, "203.0.113.15",
                   rp={"roleName": name, "assumeRolePolicyDocument": trust},
                   resp={"role": {"roleName": name, "path": "/",
                                  "arn": f"arn:aws:iam::{ACCT}:role/{name}",
                                  "roleId": _key(name, "AROA")}})
    recs = [create("backdoor", "BackDoor", t("05:00:00", "2024-02-28")),
            create("org", "OrganizationAccountAccessRole", t("05:01:00", "2024-02-28")),
            create("nm-app", "payments-api-lambda", t("05:02:00", "2024-02-28"))]
    exp = dict(W30D, rows=[{"AwsEventId": eid(c, "backdoor"), "RoleName": "BackDoor"},
                           {"AwsEventId": eid(c, "org"),
                            "RoleName": "OrganizationAccountAccessRole"}],
               absent=["payments-api-lambda"], row_count=2)
    return recs, exp


@case
def s3_encryption_modified(c):
    m = iam_user("mallory")

    def put(label, bucket, algo, key=None, as_list=False):
        default = {"SSEAlgorithm": algo}
        if key:
            default["KMSMasterKeyID"] = key
        rule = {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}
        return rec(c, label, "s3", "PutBucketEncryption", t("06:00:00"), m, "203.0.113.15",
                   rp={"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com", "encryption": "",
                       "ServerSideEncryptionConfiguration": {
                           "Rule": [rule] if as_list else rule,
                           "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}})
    foreign = f"arn:aws:kms:us-east-1:{EVIL}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    own = f"arn:aws:kms:us-east-1:{ACCT}:key/11112222-3333-4444-5555-666677778888"
    recs = [
        put("foreign", "acme-finance", "aws:kms", foreign),
        put("own", "acme-logs", "aws:kms", own, as_list=True),
        rec(c, "delete", "s3", "DeleteBucketEncryption", t("06:05:00"), m, "203.0.113.15",
            rp={"bucketName": "acme-data", "Host": "acme-data.s3.amazonaws.com", "encryption": ""}),
        put("nm-aes", "acme-static", "AES256"),
    ]
    exp = dict(W7D, rows=[
        {"AwsEventId": eid(c, "foreign"), "BucketName": "acme-finance", "KmsKeyId": foreign,
         "KmsKeyAccount": EVIL, "ForeignKey": True},
        {"AwsEventId": eid(c, "own"), "BucketName": "acme-logs", "ForeignKey": False},
        {"AwsEventId": eid(c, "delete"), "BucketName": "acme-data"}],
        absent=["acme-static"], row_count=3)
    return recs, exp


@case
def s3_bucket_deleted(c):
    m = iam_user("mallory")
    recs = [
        rec(c, "delete", "s3", "DeleteBucket", t("07:00:00"), m, "203.0.113.15",
            rp={"bucketName": "acme-cloudtrail-logs", "Host": "acme-cloudtrail-logs.s3.amazonaws.com"}),
        rec(c, "nm-notempty", "s3", "DeleteBucket", t("07:01:00"), m, "203.0.113.15",
            code="BucketNotEmpty", message="The bucket you tried to delete is not empty",
            rp={"bucketName": "acme-backups", "Host": "acme-backups.s3.amazonaws.com"})]
    exp = dict(W7D, rows=[{"AwsEventId": eid(c, "delete"), "BucketName": "acme-cloudtrail-logs"}],
               absent=["acme-backups"], row_count=1)
    return recs, exp


# One set of workload-credential records serves the five token-theft hunts: each of them
# must pick out its own workload and ignore the others.
STS_WINDOW = {"start": "2024-03-10T12:00:00Z", "end": "2024-03-10T12:30:00Z"}
STS_AWS_CIDRS = "'54.160.0.0/16'"


def _sts_token_records(c):
    out = []

    def issue(label, time, svc, role, session, key):
        out.append(rec(c, label, "sts", "AssumeRole", time, service(svc), svc, ua=svc,
                       rp={"roleArn": f"arn:aws:iam::{ACCT}:role/{role}",
                           "roleSessionName": session},
                       resp={"credentials": {"accessKeyId": key, "sessionToken": "redacted",
                                             "expiration": "Mar 10, 2024 6:00:00 PM"}},
                       resources=[{"accountId": ACCT, "type": "AWS::IAM::Role",
                                   "ARN": f"arn:aws:iam::{ACCT}:role/{role}"}],
                       read_only=True, sharedEventID=str(uuid.uuid5(NS, label))))

    def use(label, time, role, session, key, ip, ua, svc="s3", name="ListBuckets"):
        who = assumed_role(role, session, key=key)
        who["sessionContext"]["ec2RoleDelivery"] = "2.0" if session.startswith("i-") else None
        if who["sessionContext"]["ec2RoleDelivery"] is None:
            del who["sessionContext"]["ec2RoleDelivery"]
        out.append(rec(c, label, svc, name, time, who, ip, ua=ua, read_only=True))
    web, k8s, ecs = "i-0a11aa11aa11aa11a", "i-0b22bb22bb22bb22b", "i-0c33cc33cc33cc33c"
    kw, kk, ke, kl, kg, kold = ("ASIAWEBEXAMPLE00001", "ASIAK8SEXAMPLE00001",
                                "ASIAECSEXAMPLE00001", "ASIALAMBDAEXAMPLE01",
                                "ASIAGLUEEXAMPLE0001", "ASIAOLDEXAMPLE00001")
    issue("issue-web", t("06:00:00"), "ec2.amazonaws.com", "web-role", web, kw)
    issue("issue-k8s", t("06:00:00"), "ec2.amazonaws.com", "eks-node", k8s, kk)
    issue("issue-ecs", t("06:00:00"), "ec2.amazonaws.com", "ecs-instance", ecs, ke)
    issue("issue-lambda", t("11:00:00"), "lambda.amazonaws.com", "billing-export",
          "billing-export", kl)
    issue("issue-glue", t("11:00:00"), "glue.amazonaws.com", "glue-dev", "GlueDevEndpoint", kg)
    issue("issue-old", t("14:00:00", "2024-03-09"), "ec2.amazonaws.com", "web-role", web, kold)
    # what the workloads do themselves (classifies the instances)
    use("web-self", t("12:05:00"), "web-role", web, kw, "54.160.10.20", BOTO)
    use("web-vpce", t("12:06:00"), "web-role", web, kw, "10.0.1.15", BOTO)
    use("k8s-self", t("07:00:00"), "eks-node", k8s, kk, "10.0.2.7",
        "kubernetes/v1.28.5-eks-5e0fdde aws-sdk-go/1.48.6 (go1.21.5; linux; amd64)",
        svc="ec2", name="DescribeInstances")
    use("ecs-self", t("07:00:00"), "ecs-instance", ecs, ke, "10.0.3.9",
        "Amazon ECS Agent - v1.80.0 (*b3b8e1e8) aws-sdk-go/1.48.6",
        svc="ecs", name="DiscoverPollEndpoint")
    # stolen and replayed from outside AWS
    use("web-stolen", t("12:10:00"), "web-role", web, kw, "203.0.113.66", "curl/8.4.0",
        svc="s3", name="ListBuckets")
    use("k8s-stolen", t("12:12:00"), "eks-node", k8s, kk, "203.0.113.67", CLI + "sts.get")
    use("ecs-stolen", t("12:15:00"), "ecs-instance", ecs, ke, "203.0.113.68", CLI + "s3.ls")
    use("lambda-stolen", t("12:20:00"), "billing-export", "billing-export", kl, "203.0.113.69",
        CLI + "s3.ls")
    use("glue-stolen", t("12:21:00"), "glue-dev", "GlueDevEndpoint", kg, "203.0.113.70",
        CLI + "s3.ls")
    # near miss: a key issued 22 h before the window, outside the 12 h issue look-back
    use("old-key", t("12:22:00"), "web-role", web, kold, "198.51.100.99", "curl/8.4.0")
    return out


def _sts_expect(c, workload, ip, role):
    others = {"203.0.113.66", "203.0.113.67", "203.0.113.68", "203.0.113.69", "203.0.113.70"}
    return dict(STS_WINDOW, params={"aws_cidrs": STS_AWS_CIDRS},
                rows=[{"Workload": workload, "SourceIpAddress": ip,
                       "RoleArn": f"arn:aws:iam::{ACCT}:role/{role}"}],
                absent=sorted(others - {ip}) + ["54.160.10.20", "10.0.1.15", "198.51.100.99"],
                row_count=1)


@case
def sts_token_ec2(c):
    # fix: the Kubernetes node and the ECS instance are excluded (the reference's
    # "not kubernetes or not ECS agent" let both through)
    return _sts_token_records(c), _sts_expect(c, "i-0a11aa11aa11aa11a", "203.0.113.66", "web-role")


@case
def sts_token_eks_node(c):
    return _sts_token_records(c), _sts_expect(c, "i-0b22bb22bb22bb22b", "203.0.113.67", "eks-node")


@case
def sts_token_ecs(c):
    return _sts_token_records(c), _sts_expect(c, "i-0c33cc33cc33cc33c", "203.0.113.68",
                                              "ecs-instance")


@case
def sts_token_glue(c):
    return _sts_token_records(c), _sts_expect(c, "GlueDevEndpoint", "203.0.113.70", "glue-dev")


@case
def sts_token_lambda(c):
    return _sts_token_records(c), _sts_expect(c, "billing-export", "203.0.113.69",
                                              "billing-export")


# ---------------------------------------------------------------- GuardDuty findings

DETECTOR = "6eb7d75a6563c71411485bf5e38adb2f"


def finding(c, label, ftype, severity, resource, action=None, created=t("01:00:00.000"),
            updated=None, count=1, first=None, last=None, sample=False, region="us-east-1",
            title=None):
    fid = uuid.uuid5(NS, f"{c}/{label}").hex
    svc = {"serviceName": "guardduty", "detectorId": DETECTOR, "resourceRole": "TARGET",
           "additionalInfo": {"sample": True} if sample else {"value": "{}", "type": "default"},
           "eventFirstSeen": first or created, "eventLastSeen": last or updated or created,
           "archived": False, "count": count}
    if action:
        svc["action"] = action
    return {"schemaVersion": "2.0", "accountId": ACCT, "region": region, "partition": "aws",
            "id": fid,
            "arn": f"arn:aws:guardduty:{region}:{ACCT}:detector/{DETECTOR}/finding/{fid}",
            "type": ftype, "resource": resource, "service": svc, "severity": severity,
            "createdAt": created, "updatedAt": updated or created,
            "title": title or f"{ftype} reported", "description": f"Test finding {label}."}


def fid(c, label):
    return uuid.uuid5(NS, f"{c}/{label}").hex


def k8s_resource(cluster, user, workload, ns):
    return {"resourceType": "EKSCluster",
            "eksClusterDetails": {"name": cluster,
                                  "arn": f"arn:aws:eks:us-east-1:{ACCT}:cluster/{cluster}",
                                  "vpcId": "vpc-0123456789abcdef0", "status": "ACTIVE"},
            "kubernetesDetails": {
                "kubernetesUserDetails": {"username": user, "uid": "b6a2c7e0",
                                          "groups": ["system:serviceaccounts"]},
                "kubernetesWorkloadDetails": {"name": workload, "type": "pods", "uid": "1f2e3d",
                                              "namespace": ns,
                                              "containers": [{"name": workload,
                                                              "image": "xmrig/xmrig:latest"}]}}}


def k8s_action(ip, verb="create"):
    return {"actionType": "KUBERNETES_API_CALL",
            "kubernetesApiCallAction": {"requestUri": "/api/v1/namespaces/default/pods",
                                        "verb": verb, "statusCode": 201,
                                        "remoteIpDetails": {"ipAddressV4": ip,
                                                            "country": {"countryName": "Nowhere"}}}}


def key_resource(user, key="ASIAWEBEXAMPLE00001"):
    return {"resourceType": "AccessKey",
            "accessKeyDetails": {"accessKeyId": key, "principalId": f"AROAEXAMPLE:{user}",
                                 "userName": user, "userType": "AssumedRole"}}


def api_action(ip, api="ListBuckets", svc="s3.amazonaws.com"):
    return {"actionType": "AWS_API_CALL",
            "awsApiCallAction": {"api": api, "serviceName": svc, "callerType": "Remote IP",
                                 "remoteIpDetails": {"ipAddressV4": ip,
                                                     "organization": {"asn": "64500",
                                                                      "asnOrg": "Example"}}}}


def instance_resource(instance):
    return {"resourceType": "Instance",
            "instanceDetails": {"instanceId": instance, "instanceType": "t3.micro",
                                "availabilityZone": "us-east-1a"}}


@case
def guardduty_eks_privesc_credaccess(c):
    user = "system:serviceaccount:default:ci-runner"
    res = k8s_resource("prod-eks", user, "miner-7d9f", "default")
    f1 = finding(c, "privileged", "PrivilegeEscalation:Kubernetes/PrivilegedContainer", 5.0,
                 res, k8s_action("203.0.113.90"), created=t("01:00:00.000"))
    f1_later = copy.deepcopy(f1)   # the same finding updated later: counted once, latest wins
    f1_later["updatedAt"] = t("07:00:00.000")
    f1_later["service"]["count"] = 3
    f1_later["service"]["eventLastSeen"] = t("06:59:00.000")
    f2 = finding(c, "rolebinding",
                 "PrivilegeEscalation:Kubernetes/AnomalousBehavior.RoleBindingCreated", 7.0,
                 res, k8s_action("203.0.113.91"), created=t("02:00:00.000"))
    f3 = finding(c, "exfil", "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                 8.0, key_resource("i-0a11aa11aa11aa11a"), api_action("203.0.113.66"),
                 created=t("12:10:00.000"))
    nm_probe = finding(c, "nm-probe", "Recon:EC2/PortProbeUnprotectedPort", 2.0,
                       instance_resource("i-0f0f0f0f0f0f0f0f0"), created=t("03:00:00.000"))
    nm_sample = finding(c, "nm-sample", "Execution:Kubernetes/ExecInKubeSystemPod", 5.0,
                        k8s_resource("sample-cluster", "GeneratedFindingUserName", "w", "kube-system"),
                        k8s_action("198.51.100.1"), sample=True, created=t("04:00:00.000"))
    recs = [f1, f1_later, f2, f3, nm_probe, nm_sample]
    exp = dict(W7D, guardduty=True, rows=[
        {"Cluster": "prod-eks", "Identity": user, "ThreatPurpose": "PrivilegeEscalation",
         "Findings": 2, "Occurrences": 4, "MaxSeverity": 7.0, "Workloads": ["miner-7d9f"],
         "Namespaces": ["default"], "SourceIpAddresses": ["203.0.113.90", "203.0.113.91"],
         "LastSeen": "2024-03-10T06:59:00Z"},
        {"ThreatPurpose": "UnauthorizedAccess", "Identity": "i-0a11aa11aa11aa11a",
         "Findings": 1, "SourceIpAddresses": ["203.0.113.66"]}],
        absent=[fid(c, "nm-probe"), "sample-cluster"], row_count=2)
    return recs, exp


@case
def guardduty_high_severity_clusters(c):
    res = key_resource("web-role-session")
    recs = [
        finding(c, "outside", "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
                8.0, res, api_action("203.0.113.66"), created=t("12:10:00.000")),
        finding(c, "tor", "UnauthorizedAccess:IAMUser/TorIPCaller", 7.5, res,
                api_action("203.0.113.66", "GetCallerIdentity", "sts.amazonaws.com"),
                created=t("12:20:00.000")),
        # near misses: a lone high finding; two medium ones for one actor
        finding(c, "nm-lonely", "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom", 8.0,
                key_resource("lonely-user"), api_action("198.51.100.2"), created=t("13:00:00.000")),
        finding(c, "nm-med-1", "Discovery:S3/MaliciousIPCaller", 5.0, key_resource("ci-bot"),
                api_action("198.51.100.3"), created=t("13:00:00.000")),
        finding(c, "nm-med-2", "Discovery:IAMUser/AnomalousBehavior", 5.0, key_resource("ci-bot"),
                api_action("198.51.100.3"), created=t("13:05:00.000")),
    ]
    exp = dict(W7D, guardduty=True, rows=[
        {"Actor": "web-role-session", "ThreatPurpose": "UnauthorizedAccess",
         "ResourceType": "AccessKey", "Findings": 2, "MaxSeverity": 8.0,
         "FindingIds": [fid(c, "outside"), fid(c, "tor")]}],
        absent=["lonely-user", "ci-bot"], row_count=1)
    return recs, exp


@case
def guardduty_s3_exposure(c):
    def bucket(name, perm):
        return {"resourceType": "S3Bucket",
                "accessKeyDetails": {"accessKeyId": "AKIAEXAMPLEMALLORY1", "principalId": "AIDAX",
                                     "userName": "mallory", "userType": "IAMUser"},
                "s3BucketDetails": [{
                    "arn": f"arn:aws:s3:::{name}", "name": name, "type": "Destination",
                    "owner": {"id": "abc123"},
                    "publicAccess": {
                        "effectivePermission": perm,
                        "permissionConfiguration": {
                            "bucketLevelPermissions": {
                                "blockPublicAccess": {"ignorePublicAcls": False,
                                                      "restrictPublicBuckets": False,
                                                      "blockPublicAcls": False,
                                                      "blockPublicPolicy": False}},
                            "accountLevelPermissions": {
                                "blockPublicAccess": {"ignorePublicAcls": False,
                                                      "restrictPublicBuckets": False,
                                                      "blockPublicAcls": False,
                                                      "blockPublicPolicy": False}}}}}]}
    recs = [
        finding(c, "bpa", "Policy:S3/BucketBlockPublicAccessDisabled", 2.0,
                bucket("acme-exports", "PUBLIC"),
                api_action("203.0.113.95", "PutBucketPublicAccessBlock"), created=t("09:00:00.000")),
        finding(c, "exfil", "Exfiltration:S3/AnomalousBehavior", 8.0,
                bucket("acme-exports", "PUBLIC"), api_action("203.0.113.95", "GetObject"),
                created=t("09:30:00.000")),
        finding(c, "nm-tor", "UnauthorizedAccess:S3/TorIPCaller", 5.0,
                bucket("acme-logs", "NOT_PUBLIC"), api_action("198.51.100.4", "GetObject"),
                created=t("10:00:00.000")),
        finding(c, "nm-ec2", "Recon:EC2/PortProbeUnprotectedPort", 2.0,
                instance_resource("i-0f0f0f0f0f0f0f0f0"), created=t("10:00:00.000")),
    ]
    exp = dict(W30D, guardduty=True, rows=[
        {"BucketName": "acme-exports", "Findings": 2, "EffectivePermission": ["PUBLIC"],
         "Actors": ["mallory"], "SourceIpAddresses": ["203.0.113.95"], "MaxSeverity": 8.0,
         "FindingTypes": ["Exfiltration:S3/AnomalousBehavior",
                          "Policy:S3/BucketBlockPublicAccessDisabled"]}],
        absent=["acme-logs", fid(c, "nm-ec2")], row_count=1)
    return recs, exp


# ---------------------------------------------------------------- scheduled-SQL rules

SCHEDULED_CASES = {}


def scheduled(fn):
    SCHEDULED_CASES[fn.__name__] = fn
    return fn


def _s3_obj(c, label, name, time, who, ip, bucket, key, extra_rp=None, aed=None, ok=True):
    rp = {"bucketName": bucket, "Host": f"{bucket}.s3.us-east-1.amazonaws.com", "key": key}
    rp.update(extra_rp or {})
    return rec(c, label, "s3", name, time, who, ip, ua=BOTO, rp=rp, category="Data",
               read_only=name == "GetObject",
               resources=[{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
                          {"accountId": ACCT, "type": "AWS::S3::Bucket",
                           "ARN": f"arn:aws:s3:::{bucket}"}],
               aed=dict({"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
                         "bytesTransferredIn": 0, "bytesTransferredOut": 0}, **(aed or {})),
               resp={"x-amz-server-side-encryption": "aws:kms"} if name != "GetObject" else None,
               code=None if ok else "AccessDenied", message=None if ok else "Access Denied")


@scheduled
def s3_ransomware_reencryption(c):
    m = assumed_role("data-pipeline", "mallory-session")
    foreign = f"arn:aws:kms:us-east-1:{EVIL}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    kms = {"x-amz-server-side-encryption": "aws:kms",
           "x-amz-server-side-encryption-aws-kms-key-id": foreign}
    bot, backup = iam_user("ransom-bot"), iam_user("backup-job")
    up, slow, copier = iam_user("uploader"), iam_user("slowpoke"), iam_user("copier")
    recs = []
    # mallory reads two reports, then writes them back under a key of an unknown account
    for n, key in enumerate(["reports/2024-q1.xlsx", "reports/2024-q2.xlsx"]):
        recs.append(_s3_obj(c, f"m-get-{n}", "GetObject", t(f"11:4{n}:00"), m, "203.0.113.15",
                            "acme-data", key))
        recs.append(_s3_obj(c, f"m-put-{n}", "PutObject", t(f"12:0{5 + n}:00"), m,
                            "203.0.113.15", "acme-data", key, kms))
    # SSE-C: a customer-provided key (both spellings of the marker)
    recs.append(_s3_obj(c, "c-get", "GetObject", t("11:50:00"), bot, "203.0.113.16",
                        "acme-media", "img/logo.png"))
    recs.append(_s3_obj(c, "c-put", "PutObject", t("12:10:00"), bot, "203.0.113.16", "acme-media",
                        "img/logo.png",
                        {"x-amz-server-side-encryption-customer-algorithm": "AES256"},
                        aed={"SSEApplied": "SSE_C"}))
    # in-place copy onto itself with a foreign key (the copy is the read)
    recs.append(_s3_obj(c, "copy", "CopyObject", t("12:20:00"), copier, "203.0.113.17",
                        "acme-archive", "2023/ledger.csv",
                        dict(kms, **{"x-amz-copy-source": "acme-archive/2023/ledger.csv"})))
    # fix: an alias and a bare key id of the bucket's own account are not foreign
    for n, keyid in enumerate(["alias/acme-data-key", "1234abcd-12ab-34cd-56ef-1234567890ab"]):
        recs.append(_s3_obj(c, f"nm-own-get-{n}", "GetObject", t(f"11:3{n}:00"), backup,
                            "198.51.100.50", "acme-backup", f"b/{n}"))
        recs.append(_s3_obj(c, f"nm-own-put-{n}", "PutObject", t(f"12:3{n}:00"), backup,
                            "198.51.100.50", "acme-backup", f"b/{n}",
                            {"x-amz-server-side-encryption": "aws:kms",
                             "x-amz-server-side-encryption-aws-kms-key-id": keyid}))
    # near misses: a new upload with a foreign key (never read); a read 3 h before the write
    recs.append(_s3_obj(c, "nm-upload", "PutObject", t("12:40:00"), up, "198.51.100.51",
                        "acme-inbox", "new.csv", kms))
    recs.append(_s3_obj(c, "nm-slow-get", "GetObject", t("09:00:00"), slow, "198.51.100.52",
                        "acme-slow", "x.csv"))
    recs.append(_s3_obj(c, "nm-slow-put", "PutObject", t("12:41:00"), slow, "198.51.100.52",
                        "acme-slow", "x.csv", kms))
    # near miss: a foreign-key write outside the anchor window
    recs.append(_s3_obj(c, "nm-late-get", "GetObject", t("13:10:00"), m, "203.0.113.15",
                        "acme-later", "z.csv"))
    recs.append(_s3_obj(c, "nm-late-put", "PutObject", t("13:20:00"), m, "203.0.113.15",
                        "acme-later", "z.csv", kms))
    mal = role_session_arn("data-pipeline", "mallory-session")
    exp = {"start": "2024-03-10T12:00:00Z", "end": "2024-03-10T13:00:00Z", "rows": [
        {"identity": mal, "resource": "arn:aws:s3:::acme-data", "source_ip": "203.0.113.15",
         "account": ACCT, "first_time": "2024-03-10T11:40:00Z", "last_time": "2024-03-10T12:06:00Z",
         "event_ids": [eid(c, "m-put-0"), eid(c, "m-put-1"), eid(c, "m-get-0"), eid(c, "m-get-1")]},
        {"identity": user_arn("ransom-bot"), "resource": "arn:aws:s3:::acme-media",
         "event_ids": [eid(c, "c-put"), eid(c, "c-get")]},
        {"identity": user_arn("copier"), "resource": "arn:aws:s3:::acme-archive",
         "event_ids": [eid(c, "copy")]}],
        "description_contains": {"arn:aws:s3:::acme-data": ["2 object(s)", foreign]},
        "absent": ["acme-backup", "acme-inbox", "acme-slow", "acme-later"], "row_count": 3}
    return recs, exp


@scheduled
def ec2_mass_compute_deployment(c):
    miner = iam_user("mallory")
    ua = CLI + "ec2.run-instances"

    def items(n, itype, cores=None, threads=None):
        it = {"instanceType": itype}
        if cores:
            it.update(cores=cores, threads=threads)
        return [dict(it) for _ in range(n)]
    recs = [
        # fix: 480 vCPUs at 23:00 and 384 + one unknown type at 01:30 the next day: 864 in
        # 2.5 h, across midnight, and two calls of several instances each
        _run_instances(c, "m-1", t("23:00:00", "2024-03-10"), miner, "203.0.113.120",
                       items(5, "c5.24xlarge", 48, 2), ua=ua, key_name="k"),
        _run_instances(c, "m-2", t("01:30:00", "2024-03-11"), miner, "203.0.113.120",
                       items(4, "c5.24xlarge") + items(1, "zz9.plural"), ua=ua, key_name="k"),
        # near misses: 672 vCPUs; 900 spread over more than 8 h; a failed launch of 1,000
        _run_instances(c, "nm-build", t("01:10:00", "2024-03-11"), iam_user("builder"),
                       "198.51.100.80", items(7, "m5.24xlarge", 48, 2), ua=ua, key_name="k"),
        _run_instances(c, "nm-spread-1", t("15:00:00", "2024-03-10"), iam_user("spread"),
                       "198.51.100.81", items(6, "c6i.24xlarge"), ua=ua, key_name="k"),
        _run_instances(c, "nm-spread-2", t("01:45:00", "2024-03-11"), iam_user("spread"),
                       "198.51.100.81", items(3, "c6i.24xlarge"), ua=ua, key_name="k"),
        _run_instances(c, "nm-denied", t("01:20:00", "2024-03-11"), iam_user("denied"),
                       "198.51.100.82", items(10, "c6a.48xlarge"), ua=ua, key_name="k",
                       code="Client.VcpuLimitExceeded",
                       message="You have requested more vCPU capacity than your current vCPU limit"),
    ]
    # the reference's view: one instance per call
    exp = {"start": "2024-03-11T01:00:00Z", "end": "2024-03-11T02:00:00Z", "rows": [
        {"identity": user_arn("mallory"), "source_ip": "203.0.113.120", "account": ACCT,
         "first_time": "2024-03-10T23:00:00Z", "last_time": "2024-03-11T01:30:00Z",
         "event_ids": [eid(c, "m-1"), eid(c, "m-2")]}],
        "description_contains": {user_arn("mallory"): ["864 vCPUs", "threshold 800",
                                                       "1 instance(s) of unknown type"]},
        "absent": ["builder", "spread", "denied"], "row_count": 1}
    return recs, exp


# ---------------------------------------------------------------- writing

def render(recs, exp):
    fixture = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in recs)
    expect = json.dumps(exp, indent=2, sort_keys=True) + "\n"
    return fixture, expect


def outputs():
    for table, directory in ((CASES, HUNTING), (SCHEDULED_CASES, SCHEDULED)):
        for name, fn in table.items():
            fixture, expect = render(*fn(name))
            yield os.path.join(directory, f"{name}.fixture.jsonl"), fixture
            yield os.path.join(directory, f"{name}.expect.json"), expect


def main(argv):
    check = "--check" in argv
    stale = []
    for path, text in outputs():
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:
            stale.append(path)
            if not check:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    for path in stale:
        print(f"{'stale' if check else 'written'}: {os.path.relpath(path, ROOT)}")
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
