#!/usr/bin/env python3
"""Deterministic, realistic AWS CloudTrail log generator for trailwarden benchmarks.

Writes files laid out exactly as CloudTrail delivers them to S3:
  DIR/AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<rand16>.json.gz

Usage:
  python3 bench/gen_cloudtrail.py --events N --out DIR [--seed S] [--start 2024-01-15T00:00:00Z]
                                  [--days D] [--accounts A] [--regions R] [--jsonl]

Everything random comes from seeded random.Random instances (never the clock, uuid4 or
os.urandom) and gzip mtime is 0, so the same arguments give byte-identical output.
Standard library only.
"""
import argparse, base64, calendar, gzip, json, math, os, random, sys, time
from urllib.parse import quote

REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2', 'ap-southeast-2', 'eu-central-1', 'us-east-2',
           'ap-northeast-1', 'ca-central-1', 'eu-west-2', 'ap-south-1', 'sa-east-1', 'eu-north-1']
# Most orgs concentrate in one or two "home" regions; the rest see only baseline automation.
REGION_W = [1.0, 0.5, 0.3, 0.12, 0.25, 0.2, 0.1, 0.08, 0.12, 0.08, 0.05, 0.05]
B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'      # alphabet of real access-key / principal ids
UPAN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory',
         'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'yusuf', 'zoe',
         'priya', 'chen', 'mateo', 'amara', 'lars', 'sofia', 'kenji', 'fatima', 'lucas', 'nora', 'omar']
LAST = ['smith', 'jones', 'nguyen', 'garcia', 'muller', 'rossi', 'tanaka', 'kowalski', 'silva', 'patel',
        'okafor', 'johansson', 'dubois', 'kim', 'ivanova', 'murphy', 'cohen', 'haddad', 'novak', 'reyes']
# Real-world user agents, grouped by client family.
UA = {
    'cli': ['aws-cli/2.15.10 Python/3.11.6 Darwin/23.2.0 exe/x86_64 prompt/off',
            'aws-cli/2.13.25 Python/3.11.5 Linux/6.2.0-1016-aws exe/x86_64.ubuntu.22 prompt/off',
            'aws-cli/2.15.4 Python/3.11.6 Windows/10 exe/AMD64 prompt/off',
            'aws-cli/1.29.62 Python/3.9.16 Linux/5.10.198-187.748.amzn2.x86_64 botocore/1.31.62'],
    'boto': ['Boto3/1.34.14 md/Botocore#1.34.14 ua/2.0 os/linux#5.10.205-195.804.amzn2.x86_64 md/arch#x86_64 '
             'lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.14',
             'Boto3/1.28.57 Python/3.9.18 Linux/5.15.0-1051-aws Botocore/1.31.57',
             'Boto3/1.33.6 md/Botocore#1.33.6 ua/2.0 os/macos#23.1.0 md/arch#arm64 lang/python#3.12.0 '
             'md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.33.6'],
    'tf': ['APN/1.0 HashiCorp/1.0 Terraform/1.6.6 (+https://www.terraform.io) terraform-provider-aws/5.31.0 '
           '(+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 '
           'md/GOOS#linux md/GOARCH#amd64 api/ec2#1.141.0',
           'APN/1.0 HashiCorp/1.0 Terraform/1.5.7 (+https://www.terraform.io) terraform-provider-aws/5.26.0 '
           '(+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go/1.48.4 (go1.20.11; linux; amd64)'],
    'go': ['aws-sdk-go/1.49.13 (go1.21.5; linux; amd64)',
           'aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/sts#1.26.6'],
    'java': ['aws-sdk-java/2.21.46 Linux/5.10.201-191.748.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.9+8-LTS '
             'Java/17.0.9 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy'],
    'node': ['aws-sdk-nodejs/2.1490.0 linux/v18.18.2 exec-env/AWS_Lambda_nodejs18.x promise',
             'aws-sdk-js/3.478.0 ua/2.0 os/linux#5.10.205-215.814.amzn2.x86_64 lang/js md/nodejs#20.10.0 '
             'api/dynamodb#3.478.0 exec-env/AWS_Lambda_nodejs20.x'],
    'web': ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) '
            'Chrome/120.0.0.0 Safari/537.36',
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 '
            'Safari/537.36 Edg/120.0.2210.91',
            'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
            'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) '
            'Version/17.2 Safari/605.1.15'],
}
LAMBDA_WORKER_UA = 'awslambda-worker/1.0 rusoto/0.48.0 rust/1.69.0 linux'
TLS = [('TLSv1.3', 'TLS_AES_128_GCM_SHA256'), ('TLSv1.3', 'TLS_AES_256_GCM_SHA384'),
       ('TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256')]
# Schema version differs per service in real trails.
VER = {'ec2': '1.09', 's3': '1.09', 'signin': '1.09', 'lambda': '1.09', 'ssm': '1.09', 'sso': '1.09'}
VPCE_SVCS = ('s3', 'kms', 'ssm', 'secretsmanager', 'sts', 'logs', 'dynamodb', 'ec2')
CLUMP = 40   # typical events per automation job in an otherwise quiet 5-minute slot
API = {'route53': '2013-04-01'}   # the few services that log apiVersion
PUBLIC_NETS = [3, 18, 34, 35, 44, 52, 54, 62, 77, 81, 85, 86, 91, 98, 104, 142, 151, 176, 185, 203, 212]


def iso(ep):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(ep))


def iamdate(ep, comma=False):
    """IAM/STS log their own dates in a Java-ish 'Jan 15, 2024 10:03:11 AM' form."""
    t = time.gmtime(ep)
    return '%s %d, %d%s %d:%02d:%02d %s' % (MON[t.tm_mon - 1], t.tm_mday, t.tm_year, ',' if comma else '',
                                            t.tm_hour % 12 or 12, t.tm_min, t.tm_sec, 'AM' if t.tm_hour < 12 else 'PM')


def kid(r, prefix, n=16):
    return prefix + ''.join(r.choices(B32, k=n))


def hexs(r, n):
    return '%0*x' % (n, r.getrandbits(4 * n))


def guid(r):
    h = '%032x' % r.getrandbits(128)
    return '%s-%s-4%s-%s-%s' % (h[:8], h[8:12], h[13:16], h[16:20], h[20:])


def pub_ip(r, v6=False):
    if v6:
        return '2a02:%x:%x:%x::%x' % (r.randrange(0x1000, 0xffff), r.randrange(0xffff), r.randrange(0xffff), r.randrange(1, 0xffff))
    return '%d.%d.%d.%d' % (r.choice(PUBLIC_NETS), r.randrange(256), r.randrange(256), r.randrange(1, 255))


class Actor:
    """A principal plus how it reaches AWS (IP, client, TLS stack). Session-based identities
    are rebuilt per hour from a key-derived RNG so their output does not depend on call order."""
    __slots__ = ('name', 'kind', 'ip', 'ua', 'tls', 'console', 'arn', 'vpce', 'static', 'mk', 'p', 'cache')

    def __init__(self, name, kind, ip, ua, arn, static=None, mk=None, p=None, tls=0, console=False, vpce=None):
        self.name, self.kind, self.ip, self.ua, self.arn = name, kind, ip, ua, arn
        self.static, self.mk, self.p, self.tls, self.console, self.vpce = static, mk, p or {}, tls, console, vpce
        self.cache = {}


def session_ctx(r, b, p, issuer):
    sc = {'sessionIssuer': issuer, 'webIdFederationData': p.get('wif', {}),
          'attributes': {'creationDate': iso(b * 3600 - r.randrange(0, 2400)), 'mfaAuthenticated': p.get('mfa', 'false')}}
    if p.get('ec2rd'):
        sc['ec2RoleDelivery'] = '2.0'
    if p.get('srcid'):
        sc['sourceIdentity'] = p['srcid']
    return sc


def mk_role(r, a, b):
    p = a.p
    d = {'type': 'AssumedRole', 'principalId': p['pid'], 'arn': a.arn, 'accountId': p['acct'],
         'accessKeyId': kid(r, 'ASIA'), 'sessionContext': session_ctx(r, b, p, p['issuer'])}
    if p.get('inv'):
        d['invokedBy'] = p['inv']
    return d


def mk_console(r, a, b):
    """IAM user / root / federated user holding temporary console or GetFederationToken creds."""
    p = a.p
    d = dict(p['base'])
    d['accessKeyId'] = kid(r, 'ASIA')
    d['sessionContext'] = session_ctx(r, b, p, p.get('issuer', {}))
    return d


class Account:
    def __init__(self, g, aid, w):
        self.id, self.w, self.g = aid, w, g
        r = random.Random('%s/acct/%s' % (g.seed, aid))
        self.r = r
        self.res_by_region = {}
        self.buckets = ['%s-%s-%s' % (org, kind, aid) for org in ('acme', 'acme-prod', 'acme-data')
                        for kind in ('logs', 'assets', 'backups', 'tfstate', 'uploads')][:r.randrange(8, 15)]
        self.role_names, self.humans, self.auto, self.other = [], [], [], []
        self.svc, self.web, self.nact = {}, [], 0
        self._people(r)
        self._automation(r)
        self._others(r)
        self.user_names = list(dict.fromkeys(a.p['user'] for a, _ in self.humans if a.p.get('user'))) or ['svc-deploy']
        self.plain_roles = [n for p, n in self.role_names if p == '/']
        self.ext_ids = g.externals
        for lst in (self.humans, self.auto, self.other):
            acc, cw = 0.0, []
            for _, w in lst:
                acc += w
                cw.append(acc)
            lst[:] = [([a for a, _ in lst], cw)]

    def role(self, r, name, path='/'):
        rid = kid(r, 'AROA', 17)
        self.role_names.append((path, name))
        return rid, {'type': 'Role', 'principalId': rid, 'arn': 'arn:aws:iam::%s:role%s%s' % (self.id, path, name),
                     'accountId': self.id, 'userName': name}

    def role_actor(self, r, role, session, ip, ua, kind='auto', tls=0, vpce=None, **p):
        rid, issuer = role
        arn = 'arn:aws:sts::%s:assumed-role/%s/%s' % (self.id, issuer['userName'], session)
        p.update(acct=self.id, pid='%s:%s' % (rid, session), issuer=issuer)
        self.nact += 1   # distinct sessions even when role, session name and IP coincide
        return Actor('%s#%d' % (arn, self.nact), kind, ip, ua, arn, mk=mk_role, p=p, tls=tls, vpce=vpce)

    def _people(self, r):
        offices = [pub_ip(r) for _ in range(2)]
        ps = [self.role(r, 'AWSReservedSSO_%s_%s' % (n, hexs(r, 16)), '/aws-reserved/sso.amazonaws.com/')
              for n in ('AdministratorAccess', 'PowerUserAccess', 'ReadOnlyAccess', 'DeveloperAccess')]
        seen = set()
        for _ in range(r.randrange(20, 41)):
            name = '%s.%s' % (r.choice(FIRST), r.choice(LAST))
            if name in seen:
                continue
            seen.add(name)
            ip = r.choice(offices) if r.random() < 0.55 else pub_ip(r, r.random() < 0.15)
            tool = r.choices(['cli', 'boto', 'tf', 'go'], [5, 3, 2, 1])[0]
            ua, web, tls = r.choice(UA[tool]), r.choice(UA['web']), r.randrange(3)
            act = r.lognormvariate(0, 1.0)   # a few power users generate most human traffic
            if r.random() < 0.45:   # classic IAM user with long-lived keys
                arn, pid = 'arn:aws:iam::%s:user/%s' % (self.id, name), kid(r, 'AIDA', 17)
                base = {'type': 'IAMUser', 'principalId': pid, 'arn': arn, 'accountId': self.id}
                mfa = 'true' if r.random() < 0.7 else 'false'
                cli = Actor(arn + '/cli', 'user', ip, ua, arn, tls=tls, p={'user': name, 'base': base, 'mfa': mfa},
                            static=dict(base, accessKeyId=kid(r, 'AKIA'), userName=name))
                con = Actor(arn + '/web', 'user', ip, web, arn, mk=mk_console, tls=1, console=True,
                            p={'user': name, 'mfa': mfa, 'base': dict(base, userName=name), 'pid': pid})
            else:                   # IAM Identity Center user working through a permission-set role
                role, mail = r.choices(ps, [2, 3, 3, 5])[0], name + '@example.com'
                cli = self.role_actor(r, role, mail, ip, ua, 'sso', tls=tls)
                con = self.role_actor(r, role, mail, ip, web, 'sso', tls=1)
                con.console = True
            self.humans += [(cli, act), (con, act * 0.7)]
            self.web.append(con)

    def _automation(self, r):
        nat = [pub_ip(r) for _ in range(3)]
        aws_ip = lambda: '%d.%d.%d.%d' % (r.choice([3, 18, 34, 44, 52, 54]), r.randrange(256), r.randrange(256), r.randrange(1, 255))
        priv = lambda: '10.%d.%d.%d' % (r.randrange(4), r.randrange(256), r.randrange(1, 255))
        vpce = 'vpce-0%s' % hexs(r, 16)
        specs = [  # role, client family, session kind, activity, extra session attributes
            ('app-server-role', 'java', 'inst', 6, {'ec2rd': 1}), ('eks-node-group-NodeInstanceRole', 'go', 'inst', 5, {'ec2rd': 1}),
            ('ecs-task-orders-api', 'java', 'hex', 4, {}), ('lambda-orders-processor', 'node', 'fn', 3, {}),
            ('github-actions-deploy', 'tf', 'GitHubActions', 1.2, {'wif': {'federatedProvider':
                'arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com' % self.id, 'attributes': {}}}),
            ('terraform-apply', 'tf', 'tf', 0.8, {'srcid': 'ci-bot'}), ('DatadogIntegrationRole', 'go', 'DatadogAWSIntegration', 3, {}),
            ('security-audit', 'boto', 'prowler', 1.0, {}), ('backup-reporter', 'boto', 'inst', 0.8, {'ec2rd': 1})]
        for role, fam, sk, w, p in specs:
            rr = self.role(r, role)
            for i in range(4 if sk in ('inst', 'hex') else 1):
                sess = {'inst': 'i-0' + hexs(r, 16), 'hex': hexs(r, 32), 'fn': role, 'tf': 'terraform-%d' % r.randrange(10**9, 2 * 10**9)}.get(sk, sk)
                via_vpce = sk == 'inst' and r.random() < 0.5
                ip = priv() if via_vpce else (aws_ip() if sk in ('fn', 'hex') else r.choice(nat) if sk == 'inst' else pub_ip(r))
                self.auto.append((self.role_actor(r, rr, sess, ip, r.choice(UA[fam]), tls=r.randrange(2),
                                                  vpce=vpce if via_vpce else None, **p), w / (4 if sk in ('inst', 'hex') else 1)))
        # Service-linked roles: AWS calls on our behalf, so there is no TLS detail and the "IP" is the service.
        for role, svc, sess, w in (('AWSServiceRoleForConfig', 'config', 'AWSConfig-Describe', 2.5),
                                   ('AWSServiceRoleForAmazonGuardDuty', 'guardduty', 'AmazonGuardDuty-Scan', 0.8),
                                   ('AWSServiceRoleForCloudFormationStackSetsOrgMember', 'cloudformation', 'AWSCloudFormation', 0.4)):
            host = svc + '.amazonaws.com'
            a = self.role_actor(r, self.role(r, role, '/aws-service-role/%s/' % host), sess, host, host, 'slr', inv=host)
            a.tls = None
            if svc == 'config':
                self.config_slr = a
            self.auto.append((a, w))
        self.lambda_fns = ['orders-processor', 'thumbnailer', 'audit-forwarder', 'nightly-report', 'slack-notifier']
        self.lambda_actors = [self.role_actor(r, self.role(r, 'lambda-%s-exec' % f), f, aws_ip(), LAMBDA_WORKER_UA)
                              for f in self.lambda_fns]
        for svc in ('ec2', 'lambda', 'ecs-tasks', 's3', 'secretsmanager', 'cloudtrail', 'logs', 'events', 'ssm', 'config'):
            h = svc + '.amazonaws.com'
            self.svc[svc] = Actor(h, 'svc', h, h, '', static={'type': 'AWSService', 'invokedBy': h}, tls=None)
        self.svc['internal'] = Actor('internal', 'svc', 'AWS Internal', 'AWS Internal', '',
                                     static={'accountId': self.id, 'invokedBy': 'AWS Internal'}, tls=None)

    def _others(self, r):
        rootarn = 'arn:aws:iam::%s:root' % self.id
        base = {'type': 'Root', 'principalId': self.id, 'arn': rootarn, 'accountId': self.id}
        self.root = Actor(rootarn, 'root', pub_ip(r), r.choice(UA['web']), rootarn, mk=mk_console, tls=1, console=True,
                          p={'base': base, 'mfa': 'true'})
        self.other.append((self.root, 0.15))
        self.other.append((Actor(rootarn + '/key', 'root', pub_ip(r), UA['cli'][0], rootarn,
                                 static=dict(base, accessKeyId=kid(r, 'AKIA')), tls=0), 0.05))
        for fed in ('partner-portal', 'reporting-app'):
            uarn, upid = 'arn:aws:iam::%s:user/svc-%s' % (self.id, fed), kid(r, 'AIDA', 17)
            arn = 'arn:aws:sts::%s:federated-user/%s' % (self.id, fed)
            issuer = {'type': 'IAMUser', 'principalId': upid, 'arn': uarn, 'accountId': self.id, 'userName': 'svc-' + fed}
            self.other.append((Actor(arn, 'fed', pub_ip(r), UA['java'][0], arn, mk=mk_console, tls=0, p={
                'base': {'type': 'FederatedUser', 'principalId': '%s:%s' % (self.id, fed), 'arn': arn, 'accountId': self.id},
                'issuer': issuer}), 1.0))
        for ext in self.g.externals:
            st = {'type': 'AWSAccount', 'principalId': kid(r, 'AROA', 17) + ':' + r.choice(['cross-acct-sync', 'inventory', 'i-0' + hexs(r, 16)]),
                  'accountId': ext}
            self.other.append((Actor('ext/' + ext, 'ext', r.choice(['AWS Internal', pub_ip(r)]), r.choice(UA['boto'] + UA['go']),
                                     'arn:aws:iam::%s:root' % ext, static=st, tls=0), 1.2))
        self.idc = [{'type': 'IdentityCenterUser', 'accountId': self.id, 'onBehalfOf': {
            'userId': guid(r), 'identityStoreArn': 'arn:aws:identitystore::%s:identitystore/d-90%s' % (self.id, hexs(r, 8))},
            'credentialId': ''.join(r.choices(ALNUM + '_-', k=64))} for _ in range(6)]

    def res(self, region):
        """Per-region resource pools (instance ids etc. never repeat across regions)."""
        x = self.res_by_region.get(region)
        if x is None:
            r = random.Random('%s/res/%s/%s' % (self.g.seed, self.id, region))
            vpc = ['vpc-0' + hexs(r, 16) for _ in range(3)]
            sub = [('subnet-0' + hexs(r, 16), vpc[i % 3], region + 'abc'[i % 3]) for i in range(9)]
            x = {'vpc': vpc, 'sub': sub, 'ami': ['ami-0' + hexs(r, 16) for _ in range(6)],
                 'inst': ['i-0' + hexs(r, 16) for _ in range(120)], 'vol': ['vol-0' + hexs(r, 16) for _ in range(150)],
                 'sg': [('sg-0' + hexs(r, 16), n) for n in ('default', 'web-alb', 'app-tier', 'db-tier', 'bastion',
                                                            'eks-cluster-sg', 'eks-nodes', 'lambda-egress', 'vpn')],
                 'key': [guid(r) for _ in range(8)], 'lt': 'lt-0' + hexs(r, 16),
                 'tables': ['orders', 'sessions', 'inventory', 'users-prod', 'terraform-locks', 'events-archive'],
                 'db': ['orders-db-prod', 'analytics-replica-1', 'keycloak-db', 'reporting-aurora-cluster-instance-1'],
                 'params': ['/prod/app/db_host', '/prod/app/feature_flags', '/prod/orders/api_url', '/shared/datadog/api_key',
                            '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64', '/prod/eks/cluster_name'],
                 'secrets': ['prod/orders/db-credentials-%s' % hexs(r, 6), 'prod/stripe/api-key-%s' % hexs(r, 6),
                             'ci/github-token-%s' % hexs(r, 6)],
                 'lgs': ['/aws/lambda/' + f for f in self.lambda_fns] + ['/ecs/orders-api', '/aws/eks/prod/cluster']}
            self.res_by_region[region] = x
        return x


class Gen:
    def __init__(self, args):
        self.seed, self.jsonl = args.seed, args.jsonl
        r = self.r = random.Random(args.seed)
        self.start = calendar.timegm(time.strptime(args.start, '%Y-%m-%dT%H:%M:%SZ'))
        self.days, self.regions = args.days, REGIONS[:max(1, min(args.regions, len(REGIONS)))]
        self.externals = ['%012d' % r.randrange(10**11, 10**12) for _ in range(3)]
        weights = [1.0, 0.55, 0.3, 0.2, 0.15]
        self.accounts = [Account(self, '%012d' % r.randrange(10**11, 10**12), weights[i] if i < 5 else 0.1)
                         for i in range(args.accounts)]
        self.tls_cache, self.host_cache = {}, {}
        regional = [e for e in EVENTS if e[1] == 'r']
        self.tables = {}
        for reg in self.regions:
            evs = EVENTS if reg == 'us-east-1' else regional   # IAM/signin/etc are logged in us-east-1 only
            acc, cw = 0.0, []
            for w, _, _ in evs:
                acc += w
                cw.append(acc)
            self.tables[reg] = ([f for _, _, f in evs], cw)

    # ---- helpers used by event builders -------------------------------------------------------
    def pick(self, mix='r'):
        """Choose who makes a call: reads are dominated by automation, writes by people and CI."""
        A, x = self.A, self.r.random()
        lst = A.humans if (x < 0.28 if mix == 'r' else x < 0.55) or mix == 'h' else A.other if x > 0.985 else A.auto
        actors, cw = lst[0]
        return self.r.choices(actors, cum_weights=cw)[0]

    def ident(self, a):
        if a.static is not None:
            return a.static
        b = self.ep // 3600
        d = a.cache.get(b)
        if d is None:
            if len(a.cache) > 6:
                a.cache.clear()
            d = a.cache[b] = a.mk(random.Random('%s/%s/%d' % (self.seed, a.name, b)), a, b)
        return d

    def host(self, svc):
        k = (svc, self.reg)
        h = self.host_cache.get(k)
        if h is None:
            glob = {'iam': 'iam.amazonaws.com', 'route53': 'route53.amazonaws.com', 's3': 's3.amazonaws.com',
                    'signin': self.reg + '.signin.aws.amazon.com', 'sts': 'sts.amazonaws.com' if self.reg == 'us-east-1' else None}
            h = self.host_cache[k] = glob.get(svc) or '%s.%s.amazonaws.com' % (svc, self.reg)
        return h

    def tls(self, v, host):
        k = (v, host)
        t = self.tls_cache.get(k)
        if t is None:
            t = self.tls_cache[k] = {'tlsVersion': TLS[v][0], 'cipherSuite': TLS[v][1], 'clientProvidedHostHeader': host}
        return t

    def error(self, a, svc, name, errs, req):
        if errs:
            code, msg = self.r.choice(errs)
        elif svc == 'ec2':
            code, msg = self.r.choice([('Client.UnauthorizedOperation', 'You are not authorized to perform this operation.'),
                                       ('Client.RequestLimitExceeded', 'Request limit exceeded.')])
        elif svc == 's3':
            code, msg = 'AccessDenied', 'Access Denied'
        elif self.r.random() < 0.25:
            code, msg = 'ThrottlingException', 'Rate exceeded'
        else:
            code = 'AccessDenied' if svc in ('iam', 'sts') else 'AccessDeniedException'
            msg = 'User: {arn} is not authorized to perform: {svc}:{event} because no identity-based policy allows the {svc}:{event} action'
        # Messages may quote request fields ({userName}...) as well as the caller and action.
        return code, msg.format_map(dict(req or {}, arn=a.arn or 'arn:aws:iam::%s:root' % self.A.id, svc=svc, event=name))

    def rec(self, a, svc, name, req, resp=None, ro=True, extra=None, res=None, et='AwsApiCall', errs=None, perr=0.045,
            rid=None, host=None, shared=False, mgmt=True, ident=None, details=None, err=None):
        """Assemble one record with the key order CloudTrail itself uses."""
        r = self.r
        d = {'eventVersion': VER.get(svc, '1.08'), 'userIdentity': ident or self.ident(a), 'eventTime': iso(self.ep),
             'eventSource': svc + '.amazonaws.com', 'eventName': name, 'awsRegion': self.reg,
             'sourceIPAddress': a.ip, 'userAgent': a.ua}
        if err is None and perr and r.random() < perr:
            err = self.error(a, svc, name, errs, req)
            resp = None
        if err:
            if err[0]:
                d['errorCode'] = err[0]
            d['errorMessage'] = err[1]
        d['requestParameters'] = req
        d['responseElements'] = resp
        if extra is not None:
            d['additionalEventData'] = extra
        if rid is not False:
            d['requestID'] = rid or guid(r)
        d['eventID'] = guid(r)
        d['readOnly'] = ro
        if res:
            d['resources'] = res
        d['eventType'] = et
        if svc in API:
            d['apiVersion'] = API[svc]
        d['managementEvent'] = mgmt
        d['recipientAccountId'] = self.A.id
        if shared or a.kind == 'ext':
            d['sharedEventID'] = guid(r)
        if a.vpce and svc in VPCE_SVCS:
            d['vpcEndpointId'] = a.vpce
        if details is not None:
            d['serviceEventDetails'] = details
        d['eventCategory'] = 'Management' if mgmt else 'Data'
        if a.tls is not None and et == 'AwsApiCall':
            d['tlsDetails'] = self.tls(a.tls, host or self.host(svc))
        if a.console:
            d['sessionCredentialFromConsole'] = 'true'
        return d

    def resource(self, arn, typ):
        return [{'accountId': self.A.id, 'type': typ, 'ARN': arn}]

    def karn(self, k=None):
        return 'arn:aws:kms:%s:%s:key/%s' % (self.reg, self.A.id, k or self.r.choice(self.X['key']))

    # ---- generation ---------------------------------------------------------------------------
    def plan(self, n):
        """Split n events over (5-min slot, account, region) cells: daily rhythm, weekends, noise, bursts."""
        r, cells = self.r, []
        for s in range(self.days * 288):
            t = time.gmtime(self.start + s * 300)
            h = t.tm_hour + t.tm_min / 60.0
            work = math.exp(-((h - 14.0) / 3.5) ** 2) * (0.3 if t.tm_wday >= 5 else 1.0)  # EU+US-east working day
            sw = (0.3 + 2.2 * work) * r.lognormvariate(0, 0.3)
            for ai, A in enumerate(self.accounts):
                for ri, reg in enumerate(self.regions):
                    # Cron jobs fire at the top of the hour; ad-hoc automation bursts at random.
                    burst = r.random() < 0.02 or (s % 12 == ai and ri == 0 and r.random() < 0.5)
                    w = sw * A.w * REGION_W[REGIONS.index(reg)] * r.lognormvariate(0, 0.7) * (r.uniform(4, 12) if burst else 1)
                    cells.append([s, A, reg, w, burst])
        total = sum(c[3] for c in cells)
        counts, got = [], 0
        for c in cells:
            e = n * c[3] / total
            # A quiet account-region sees nothing or one job's clump, not a steady trickle; this
            # keeps the expectation while leaving many slots without a file, as in real trails.
            k = (int(r.expovariate(1.0 / CLUMP)) + 1 if r.random() < e / CLUMP else 0) if e < CLUMP else int(e) + (r.random() < e - int(e))
            counts.append(k)
            got += k
        live = [i for i, k in enumerate(counts) if k] or [max(range(len(cells)), key=lambda i: cells[i][3])]
        cw, acc = [], 0.0
        for i in live:
            acc += cells[i][3]
            cw.append(acc)
        while got != n:   # settle the rounding drift on busy cells, never creating or emptying a file
            i = r.choices(live, cum_weights=cw)[0]
            if got < n:
                counts[i] += 1; got += 1
            elif counts[i] > 1:
                counts[i] -= 1; got -= 1
        return [(c[0], c[1], c[2], k, c[4]) for c, k in zip(cells, counts) if k]

    def cell(self, s, A, reg, n, burst):
        r = self.r
        self.A, self.reg, self.X = A, reg, A.res(reg)
        base = self.start + s * 300
        # Some events arrive one delivery late, so a file can start before its slot.
        offs = sorted(r.randrange(-45 if s else 0, 300) for _ in range(n))
        fns, cw = self.tables[reg]
        evs = r.choices(fns, cum_weights=cw, k=n)
        ba = None
        if burst:   # one automation principal hammering a handful of read APIs
            ba = r.choice(A.auto[0][0])
            bev = r.sample(BURST, 3)
        out = []
        for i in range(n):
            self.ep = base + offs[i]
            if ba is not None and r.random() < 0.7:
                out.append(r.choice(bev)(self, ba))
            else:
                out.append(evs[i](self, None))
        for _ in range(n // 6):   # CloudTrail files are only roughly time-ordered
            i = r.randrange(n - 1)
            out[i], out[i + 1] = out[i + 1], out[i]
        return base, out

    def run(self, n, outdir):
        files = bz = bj = 0
        made = set()
        for s, A, reg, k, burst in self.plan(n):
            base, recs = self.cell(s, A, reg, k, burst)
            t = time.gmtime(base + 300 + self.r.randrange(0, 180))
            d = os.path.join(outdir, 'AWSLogs', A.id, 'CloudTrail', reg, '%04d' % t.tm_year, '%02d' % t.tm_mon, '%02d' % t.tm_mday)
            if d not in made:
                os.makedirs(d, exist_ok=True)
                made.add(d)
            fname = '%s_CloudTrail_%s_%s_%s' % (A.id, reg, time.strftime('%Y%m%dT%H%MZ', t), ''.join(self.r.choices(ALNUM, k=16)))
            if self.jsonl:
                data = ('\n'.join(json.dumps(x, separators=(',', ':')) for x in recs) + '\n').encode()
                path, blob = os.path.join(d, fname + '.jsonl'), data
            else:
                data = json.dumps({'Records': recs}, separators=(',', ':')).encode()
                path, blob = os.path.join(d, fname + '.json.gz'), gzip.compress(data, 6, mtime=0)
                bz += len(blob)
            with open(path, 'wb') as f:
                f.write(blob)
            files += 1
            bj += len(data)
        return files, bz, bj


# ---- event builders: each returns one record; `a` forces the caller (automation bursts) --------

def sts_resp(g, role, sess, **more):
    """STS responses carry a fresh key and a long session token: the bulk of an AssumeRole record."""
    r = g.r
    token = 'IQoJb3JpZ2luX2VjE' + base64.b64encode(r.randbytes(r.randrange(480, 720))).decode()
    return dict({'credentials': {'accessKeyId': kid(r, 'ASIA'), 'sessionToken': token, 'expiration': iamdate(g.ep + 3600, True)}}, **more,
                assumedRoleUser={'assumedRoleId': '%s:%s' % (kid(r, 'AROA', 17), sess), 'arn': 'arn:aws:sts::%s:assumed-role/%s/%s' % (g.A.id, role, sess)})

def e_assume_role(g, a):
    r, A = g.r, g.A
    if a is None:
        x = r.random()
        a = (A.svc[r.choice(('ec2', 'lambda', 'ecs-tasks'))] if x < 0.55 else g.pick('r'))
    path, role = ('/', r.choice(A.plain_roles)) if a.kind != 'sso' else r.choice(A.role_names)
    rarn = 'arn:aws:iam::%s:role%s%s' % (A.id, path, role)
    sess = r.choice(['botocore-session-%d' % r.randrange(10**9, 2 * 10**9), 'i-0' + hexs(r, 16), 'aws-go-sdk-%d' % (g.ep * 1000),
                     'GitHubActions', 'terraform-run', 'AWSCLI-Session'])
    req = {'roleArn': rarn, 'roleSessionName': sess, 'durationSeconds': r.choice((900, 3600, 3600, 43200))}
    if a.kind == 'ext':
        req['externalId'] = hexs(r, 24)
    if a.kind == 'svc':
        del req['durationSeconds']
    return g.rec(a, 'sts', 'AssumeRole', req, sts_resp(g, role, sess), res=g.resource(rarn, 'AWS::IAM::Role'),
                 shared=a.kind == 'ext' or r.random() < 0.05, perr=0.03)


def e_assume_web(g, a):
    r, A = g.r, g.A
    role = r.choice(['github-actions-deploy', 'eks-irsa-external-dns', 'eks-irsa-aws-load-balancer-controller'])
    prov = r.choice(['token.actions.githubusercontent.com', 'oidc.eks.%s.amazonaws.com/id/%s' % (g.reg, hexs(r, 32).upper())])
    sess = r.choice(['GitHubActions', 'botocore-session-%d' % r.randrange(10**9, 2 * 10**9)])
    sub = 'repo:acme/infra:ref:refs/heads/main' if 'github' in prov else 'system:serviceaccount:kube-system:' + role[9:]
    ident = {'type': 'WebIdentityUser', 'principalId': '%s:sts.amazonaws.com:%s' % (prov, sub), 'userName': sub, 'identityProvider': prov}
    rarn = 'arn:aws:iam::%s:role/%s' % (A.id, role)
    resp = sts_resp(g, role, sess, subjectFromWebIdentityToken=sub, provider='arn:aws:iam::%s:oidc-provider/%s' % (A.id, prov),
                    audience='sts.amazonaws.com')
    return g.rec(a or g.pick('r'), 'sts', 'AssumeRoleWithWebIdentity', {'roleArn': rarn, 'roleSessionName': sess}, resp, ident=ident,
                 extra={'identityProviderConnectionVerificationMethod': 'IAMTrustStore'}, res=g.resource(rarn, 'AWS::IAM::Role'))


def e_assume_saml(g, a):
    r, A = g.r, g.A
    user = r.choice(A.user_names) + '@example.com'
    rarn, parn = 'arn:aws:iam::%s:role/OktaAdmins' % A.id, 'arn:aws:iam::%s:saml-provider/Okta' % A.id
    ident = {'type': 'SAMLUser', 'principalId': 'hZsmZ0EjwUHMDv8yKLePFLxWJOo=:' + user, 'userName': user,
             'identityProvider': 'hZsmZ0EjwUHMDv8yKLePFLxWJOo='}
    req = {'sAMLAssertionID': '_' + hexs(r, 32), 'roleSessionName': user, 'principalArn': parn, 'roleArn': rarn, 'durationSeconds': 3600}
    resp = sts_resp(g, 'OktaAdmins', user, subject=user, subjectType='persistent', issuer='http://www.okta.com/exk' + hexs(r, 17),
                    audience='https://signin.aws.amazon.com/saml', nameQualifier='hZsmZ0EjwUHMDv8yKLePFLxWJOo=')
    return g.rec(a or g.r.choice(g.A.web), 'sts', 'AssumeRoleWithSAML', req, resp, ident=ident, res=g.resource(rarn, 'AWS::IAM::Role'))


def e_kms(g, a):
    """KMS traffic is mostly AWS services decrypting on behalf of a caller (SSE-KMS, Secrets Manager...)."""
    r, A = g.r, g.A
    name = 'Decrypt' if r.random() < 0.64 else 'GenerateDataKey'
    svc = r.choice(('s3', 's3', 'secretsmanager', 'ssm', 'logs', 'cloudtrail'))
    bucket = r.choice(A.buckets)
    ctx = {'s3': {'aws:s3:arn': 'arn:aws:s3:::%s/%s/%s.parquet' % (bucket, time.strftime('%Y/%m/%d', time.gmtime(g.ep)), hexs(r, 12))},
           'secretsmanager': {'SecretARN': 'arn:aws:secretsmanager:%s:%s:secret:%s' % (g.reg, A.id, r.choice(g.X['secrets'])),
                              'SecretVersionId': guid(r)},
           'ssm': {'PARAMETER_ARN': 'arn:aws:ssm:%s:%s:parameter%s' % (g.reg, A.id, r.choice(g.X['params']))},
           'logs': {'aws:logs:arn': 'arn:aws:logs:%s:%s:log-group:%s' % (g.reg, A.id, r.choice(g.X['lgs']))},
           'cloudtrail': {'aws:cloudtrail:arn': 'arn:aws:cloudtrail:us-east-1:%s:trail/org-trail' % A.id}}[svc]
    ident = None
    if a is None:
        if r.random() < 0.45 or svc == 'cloudtrail':
            a = A.svc[svc]
        else:   # the caller's own session, tagged with the service that relayed it
            ident = dict(g.ident(g.pick('r')), invokedBy=svc + '.amazonaws.com')
            a = A.svc[svc]
    karn = g.karn()
    req = {'encryptionContext': ctx, 'encryptionAlgorithm': 'SYMMETRIC_DEFAULT'} if name == 'Decrypt' else \
        {'keyId': karn if r.random() < 0.5 else 'alias/aws/' + svc, 'encryptionContext': ctx, 'keySpec': 'AES_256'}
    return g.rec(a, 'kms', name, req, None, res=g.resource(karn, 'AWS::KMS::Key'), ident=ident, perr=0.006,
                 shared=r.random() < 0.03)


def e_describe_instances(g, a):
    r, X = g.r, g.X
    if r.random() < 0.5:
        req = {'instancesSet': {'items': [{'instanceId': i} for i in r.sample(X['inst'], r.choice((1, 1, 2, 5)))]}, 'filterSet': {}}
    else:
        req = {'maxResults': 1000, 'instancesSet': {}, 'filterSet': {'items': [
            {'name': 'instance-state-name', 'valueSet': {'items': [{'value': 'running'}, {'value': 'pending'}]}},
            {'name': 'tag:kubernetes.io/cluster/prod', 'valueSet': {'items': [{'value': 'owned'}]}}][:r.randrange(0, 3)]}}
    return g.rec(a or g.pick('r'), 'ec2', 'DescribeInstances', req)


# Fields of a RunInstances response item that do not vary between launches.
INSTANCE_TAIL = {
    'architecture': 'x86_64', 'rootDeviceType': 'ebs', 'rootDeviceName': '/dev/xvda', 'blockDeviceMapping': {}, 'virtualizationType': 'hvm',
    'hypervisor': 'xen', 'sourceDestCheck': True, 'ebsOptimized': False, 'enaSupport': True, 'cpuOptions': {'coreCount': 1, 'threadsPerCore': 2},
    'capacityReservationSpecification': {'capacityReservationPreference': 'open'}, 'hibernationOptions': {'configured': False},
    'enclaveOptions': {'enabled': False}, 'metadataOptions': {'state': 'pending', 'httpTokens': 'required', 'httpPutResponseHopLimit': 2,
    'httpEndpoint': 'enabled', 'httpProtocolIpv4': 'ipv4', 'httpProtocolIpv6': 'disabled', 'instanceMetadataTags': 'disabled'},
    'maintenanceOptions': {'autoRecovery': 'default'}, 'privateDnsNameOptions': {'hostnameType': 'ip-name', 'enableResourceNameDnsARecord': False,
                                                                                 'enableResourceNameDnsAAAARecord': False}}


def e_run_instances(g, a):
    """The long tail: RunInstances echoes a ~2.5 KB description of every launched instance."""
    r, A, X = g.r, g.A, g.X
    n, itype, ami = r.choice((1, 1, 1, 2, 3, 4, 6, 10)), r.choice(('t3.medium', 'm6i.large', 'c6g.xlarge', 'r6i.2xlarge')), r.choice(X['ami'])
    sub, vpc, az = r.choice(X['sub'])
    sgs = {'items': [{'groupId': sg, 'groupName': nm} for sg, nm in r.sample(X['sg'], 2)]}
    name, token, launch = r.choice(('orders-api', 'eks-prod-ng-1', 'bastion', 'batch-worker')), guid(r), g.ep * 1000
    tags = [{'key': 'Name', 'value': name}, {'key': 'team', 'value': 'platform'}]
    req = {'instancesSet': {'items': [{'imageId': ami, 'minCount': n, 'maxCount': n}]}, 'instanceType': itype, 'blockDeviceMapping': {},
           'monitoring': {'enabled': False}, 'disableApiTermination': False, 'disableApiStop': False, 'clientToken': token,
           'iamInstanceProfile': {'name': 'app-server-role'}, 'ebsOptimized': False, 'userData': '<sensitiveDataRemoved>',
           'launchTemplate': {'launchTemplateId': X['lt'], 'version': str(r.randrange(1, 30))},
           'tagSpecificationSet': {'items': [{'resourceType': 'instance', 'tags': tags}]}}
    items = []
    for i in range(n):
        ip = '10.%d.%d.%d' % (r.randrange(4), r.randrange(256), r.randrange(1, 255))
        dns = 'ip-%s.%s.compute.internal' % (ip.replace('.', '-'), g.reg)
        eni = {'networkInterfaceId': 'eni-0' + hexs(r, 16), 'subnetId': sub, 'vpcId': vpc, 'ownerId': A.id, 'requesterManaged': False,
               'status': 'in-use', 'macAddress': '0a:' + ':'.join(hexs(r, 2) for _ in range(5)), 'privateIpAddress': ip, 'privateDnsName': dns,
               'sourceDestCheck': True, 'interfaceType': 'interface', 'groupSet': sgs,
               'attachment': {'attachmentId': 'eni-attach-0' + hexs(r, 16), 'deviceIndex': 0, 'networkCardIndex': 0, 'status': 'attaching',
                              'attachTime': launch, 'deleteOnTermination': True},
               'privateIpAddressesSet': {'item': [{'privateIpAddress': ip, 'privateDnsName': dns, 'primary': True}]}, 'ipv6AddressesSet': {}, 'tagSet': {}}
        items.append(dict({'instanceId': 'i-0' + hexs(r, 16), 'imageId': ami, 'currentInstanceBootMode': 'legacy-bios',
                           'instanceState': {'code': 0, 'name': 'pending'}, 'privateDnsName': dns, 'amiLaunchIndex': i, 'productCodes': {},
                           'instanceType': itype, 'launchTime': launch, 'placement': {'availabilityZone': az, 'tenancy': 'default'},
                           'monitoring': {'state': 'disabled'}, 'subnetId': sub, 'vpcId': vpc, 'privateIpAddress': ip,
                           'stateReason': {'code': 'pending', 'message': 'pending'}, 'clientToken': token, 'groupSet': sgs,
                           'tagSet': {'items': tags + [{'key': 'aws:ec2launchtemplate:id', 'value': X['lt']}]},
                           'networkInterfaceSet': {'items': [eni]}}, **INSTANCE_TAIL))
    resp = {'requestId': guid(r), 'reservationId': 'r-0' + hexs(r, 16), 'ownerId': A.id, 'groupSet': {}, 'instancesSet': {'items': items}}
    return g.rec(a or g.pick('w'), 'ec2', 'RunInstances', req, resp, ro=False, perr=0.06, errs=[
        ('Client.UnauthorizedOperation', 'You are not authorized to perform this operation. Encoded authorization failure message: '
         + base64.b64encode(r.randbytes(900)).decode()),
        ('Server.InsufficientInstanceCapacity', 'We currently do not have sufficient %s capacity in the Availability Zone you requested (%s).' % (itype, az))])


def e_terminate(g, a):
    r = g.r
    ids = r.sample(g.X['inst'], r.choice((1, 1, 2, 4)))
    resp = {'requestId': guid(r), 'instancesSet': {'items': [{'instanceId': i, 'currentState': {'code': 32, 'name': 'shutting-down'},
                                                              'previousState': {'code': 16, 'name': 'running'}} for i in ids]}}
    return g.rec(a or g.pick('w'), 'ec2', 'TerminateInstances', {'instancesSet': {'items': [{'instanceId': i} for i in ids]}}, resp, ro=False,
                 errs=[('Client.InvalidInstanceID.NotFound', "The instance ID '%s' does not exist" % ids[0])])


def e_authorize_sg(g, a):
    r, A = g.r, g.A
    sg = r.choice(g.X['sg'])[0]
    port = r.choice((22, 443, 3389, 5432, 8080, 443))
    cidr = r.choice(('0.0.0.0/0', '10.0.0.0/8', '%s/32' % pub_ip(r), '172.16.0.0/12'))
    req = {'groupId': sg, 'ipPermissions': {'items': [{'ipProtocol': 'tcp', 'fromPort': port, 'toPort': port, 'groups': {},
           'ipRanges': {'items': [{'cidrIp': cidr, 'description': r.choice(('temp access', 'office vpn', 'alb'))}]}, 'ipv6Ranges': {}, 'prefixListIds': {}}]}}
    resp = {'requestId': guid(r), '_return': True, 'securityGroupRuleSet': {'items': [{'groupOwnerId': A.id, 'groupId': sg,
            'securityGroupRuleId': 'sgr-0' + hexs(r, 16), 'isEgress': False, 'ipProtocol': 'tcp', 'fromPort': port, 'toPort': port, 'cidrIpv4': cidr}]}}
    return g.rec(a or g.pick('w'), 'ec2', 'AuthorizeSecurityGroupIngress', req, resp, ro=False, perr=0.05,
                 errs=[('Client.InvalidPermission.Duplicate', 'the specified rule "peer: %s, TCP, from port: %d, to port: %d, ALLOW" already exists' % (cidr, port, port))])


def s3_extra(g):
    r = g.r
    return {'SignatureVersion': 'SigV4', 'CipherSuite': 'ECDHE-RSA-AES128-GCM-SHA256', 'bytesTransferredIn': 0,
            'AuthenticationMethod': 'AuthHeader', 'x-amz-id-2': base64.b64encode(r.randbytes(56)).decode(),
            'bytesTransferredOut': r.randrange(0, 2000)}


def e_s3_bucket_read(g, a):
    """Bucket-level S3 management reads; inventory/security tools call these constantly."""
    r, b = g.r, g.r.choice(g.A.buckets)
    name = r.choices(('GetBucketAcl', 'GetBucketLocation', 'GetBucketVersioning', 'GetBucketEncryption', 'GetBucketPolicy',
                      'GetBucketPublicAccessBlock', 'GetBucketTagging'), (5, 4, 2, 2, 3, 1.5, 1.5))[0]
    host = '%s.s3.%s.amazonaws.com' % (b, g.reg)
    q = {'GetBucketAcl': 'acl', 'GetBucketLocation': 'location', 'GetBucketVersioning': 'versioning', 'GetBucketEncryption': 'encryption',
         'GetBucketPolicy': 'policy', 'GetBucketPublicAccessBlock': 'publicAccessBlock', 'GetBucketTagging': 'tagging'}[name]
    errs = {'GetBucketPolicy': [('NoSuchBucketPolicy', 'The bucket policy does not exist')],
            'GetBucketTagging': [('NoSuchTagSet', 'The TagSet does not exist')]}.get(name, [('AccessDenied', 'Access Denied')])
    return g.rec(a or g.pick('r'), 's3', name, {'bucketName': b, 'Host': host, q: ''}, None, extra=s3_extra(g),
                 res=g.resource('arn:aws:s3:::' + b, 'AWS::S3::Bucket'), rid=''.join(r.choices(UPAN, k=16)), host=host,
                 errs=errs, perr=0.2 if errs[0][0] != 'AccessDenied' else 0.02)


def e_list_buckets(g, a):
    return g.rec(a or g.pick('r'), 's3', 'ListBuckets', {'Host': 's3.amazonaws.com'}, None, extra=s3_extra(g),
                 rid=''.join(g.r.choices(UPAN, k=16)))


def e_put_bucket_policy(g, a):
    r, A = g.r, g.A
    b = r.choice(A.buckets)
    stmts = [{'Sid': 'DenyInsecureTransport', 'Effect': 'Deny', 'Principal': '*', 'Action': 's3:*',
              'Resource': ['arn:aws:s3:::' + b, 'arn:aws:s3:::%s/*' % b], 'Condition': {'Bool': {'aws:SecureTransport': 'false'}}}]
    for ext in r.sample(A.ext_ids, r.randrange(1, 3)):
        stmts.append({'Sid': 'CrossAccountRead%s' % ext[-4:], 'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::%s:root' % ext},
                      'Action': ['s3:GetObject', 's3:ListBucket'], 'Resource': ['arn:aws:s3:::' + b, 'arn:aws:s3:::%s/*' % b]})
    if r.random() < 0.1:
        stmts.append({'Sid': 'PublicRead', 'Effect': 'Allow', 'Principal': '*', 'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::%s/*' % b})
    host = '%s.s3.%s.amazonaws.com' % (b, g.reg)
    req = {'bucketPolicy': {'Version': '2012-10-17', 'Statement': stmts}, 'bucketName': b, 'Host': host, 'policy': ''}
    return g.rec(a or g.pick('w'), 's3', 'PutBucketPolicy', req, None, ro=False, extra=s3_extra(g), host=host,
                 res=g.resource('arn:aws:s3:::' + b, 'AWS::S3::Bucket'), rid=''.join(r.choices(UPAN, k=16)))


def e_iam_write(g, a):
    """Rare, security-relevant IAM changes (the things detections look for)."""
    r, A, ep = g.r, g.A, g.ep
    name = r.choices(('CreateUser', 'CreateAccessKey', 'AttachUserPolicy', 'PutUserPolicy', 'CreateLoginProfile', 'UpdateLoginProfile'),
                     (4, 4, 4, 3, 2, 2))[0]
    u, resp = r.choice(A.user_names), None
    req = {'userName': u}
    if name == 'CreateUser':
        u = req['userName'] = '%s.%s' % (r.choice(FIRST), r.choice(LAST)) if r.random() < 0.8 else 'svc-' + hexs(r, 4)
        req['tags'] = [{'key': 'team', 'value': 'platform'}]
        resp = {'user': {'path': '/', 'userName': u, 'userId': kid(r, 'AIDA', 17), 'arn': 'arn:aws:iam::%s:user/%s' % (A.id, u), 'createDate': iamdate(ep)}}
    elif name == 'CreateAccessKey':
        resp = {'accessKey': {'userName': u, 'accessKeyId': kid(r, 'AKIA'), 'status': 'Active', 'createDate': iamdate(ep)}}
    elif name == 'AttachUserPolicy':
        req['policyArn'] = 'arn:aws:iam::aws:policy/' + r.choice(('AdministratorAccess', 'ReadOnlyAccess', 'AmazonS3FullAccess', 'PowerUserAccess'))
    elif name == 'PutUserPolicy':
        doc = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': r.choice((['s3:GetObject', 's3:PutObject'], ['*'], ['ec2:Describe*'])),
                                                       'Resource': r.choice(('*', 'arn:aws:s3:::%s/*' % r.choice(A.buckets)))}]}
        req['policyName'] = r.choice(('inline-s3', 'tmp-admin', 'ci-access'))
        req['policyDocument'] = quote(json.dumps(doc, indent=4), safe='')   # CloudTrail logs inline policies URL-encoded
    else:
        req['passwordResetRequired'] = r.random() < 0.5 or name == 'CreateLoginProfile'
        if name == 'CreateLoginProfile':
            resp = {'loginProfile': {'userName': u, 'createDate': iamdate(ep), 'passwordResetRequired': True}}
    return g.rec(a or g.pick('w'), 'iam', name, req, resp, ro=False, perr=0.08, errs=[
        ('NoSuchEntityException', 'The user with name {userName} cannot be found.'),
        ('AccessDenied', 'User: {arn} is not authorized to perform: iam:{event} on resource: user {userName} because no identity-based policy allows the iam:{event} action')])


def e_console_login(g, a):
    r, A = g.r, g.A
    if r.random() < 0.04:
        a = A.root
        ident = {'type': 'Root', 'principalId': A.id, 'arn': a.arn, 'accountId': A.id, 'accessKeyId': ''}
    else:
        a = a or r.choice(A.web)
        ident = dict(a.p['base'], accessKeyId='') if a.kind == 'user' else g.ident(a)
    fail = r.random() < 0.08
    if fail and r.random() < 0.5:   # unknown user names are hidden, as CloudTrail does
        ident = {'type': 'IAMUser', 'principalId': '', 'accountId': A.id, 'accessKeyId': '', 'userName': 'HIDDEN_DUE_TO_SECURITY_REASONS'}
    extra = {'LoginTo': 'https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_' + hexs(r, 16),
             'MobileVersion': 'No', 'MFAUsed': 'Yes' if a.p.get('mfa') == 'true' else 'No'}
    if extra['MFAUsed'] == 'Yes':
        extra['MFAIdentifier'] = 'arn:aws:iam::%s:mfa/%s' % (A.id, a.p.get('user', 'root-account-mfa-device'))
    # Sign-in failures keep responseElements and carry errorMessage without an errorCode.
    d = g.rec(a, 'signin', 'ConsoleLogin', None, {'ConsoleLogin': 'Failure' if fail else 'Success'}, ro=False, extra=extra,
              et='AwsConsoleSignIn', rid=False, perr=0, ident=ident, err=(None, 'Failed authentication') if fail else None)
    d['tlsDetails'] = g.tls(1, 'signin.aws.amazon.com')
    d.pop('sessionCredentialFromConsole', None)
    return d


def e_sso_creds(g, a):
    r, A = g.r, g.A
    idc = r.choice(A.idc)
    a = a or g.pick('h')
    return g.rec(a, 'sso', r.choice(('GetRoleCredentials', 'ListAccounts', 'ListAccountRoles')),
                 {'roleName': r.choice(('AdministratorAccess', 'ReadOnlyAccess', 'DeveloperAccess')), 'accountId': A.id}, None, ident=idc, host='portal.sso.us-east-1.amazonaws.com')


def e_credential_challenge(g, a):
    r, A = g.r, g.A
    a = a or r.choice(A.web)
    ident = {'type': 'Unknown', 'principalId': A.id, 'arn': '', 'accountId': A.id, 'accessKeyId': '', 'userName': a.arn.rsplit('/', 1)[-1]}
    ok = r.random() < 0.93
    return g.rec(a, 'signin', 'CredentialChallenge', None, None, ro=False, et='AwsServiceEvent', rid=False, perr=0, ident=ident,
                 extra={'AuthWorkflowID': guid(r), 'CredentialType': 'PASSWORD'}, details={'CredentialChallenge': 'Success' if ok else 'Failure'})


def e_lambda_invoke(g, a):
    """A data event, not management: managementEvent false, eventCategory Data."""
    r, A = g.r, g.A
    fn = 'arn:aws:lambda:%s:%s:function:%s' % (g.reg, A.id, r.choice(A.lambda_fns))
    a = a or (A.svc['events'] if r.random() < 0.4 else g.pick('r'))
    return g.rec(a, 'lambda', 'Invoke', {'functionName': fn, 'invocationType': r.choice(('RequestResponse', 'Event')), 'sourceArn': ''}, None,
                 ro=False, extra={'functionVersion': fn + ':$LATEST'}, res=g.resource(fn, 'AWS::Lambda::Function'), mgmt=False, perr=0.01)


def e_logs(g, a):
    """Each Lambda cold start creates a log stream, called by the Lambda worker with the function's role."""
    r, A = g.r, g.A
    i = r.randrange(len(A.lambda_fns))
    stream = '%s/[$LATEST]%s' % (time.strftime('%Y/%m/%d', time.gmtime(g.ep)), hexs(r, 32))
    return g.rec(a or A.lambda_actors[i], 'logs', 'CreateLogStream', {'logGroupName': '/aws/lambda/' + A.lambda_fns[i], 'logStreamName': stream},
                 perr=0.01, errs=[('ResourceAlreadyExistsException', 'The specified log stream already exists')])


def e_stop_logging(g, a):
    trail = 'arn:aws:cloudtrail:us-east-1:%s:trail/org-trail' % g.A.id
    return g.rec(a or g.pick('w'), 'cloudtrail', 'StopLogging', {'name': trail}, None, ro=False, res=g.resource(trail, 'AWS::CloudTrail::Trail'), perr=0.3)


def e_config(g, a):
    r, X = g.r, g.X
    evals = [{'complianceResourceType': 'AWS::EC2::Instance', 'complianceResourceId': i, 'complianceType': r.choice(('COMPLIANT', 'NON_COMPLIANT')),
              'orderingTimestamp': iamdate(g.ep - 60)} for i in r.sample(X['inst'], r.randrange(1, 6))]
    return g.rec(a or g.A.config_slr, 'config', 'PutEvaluations', {'evaluations': evals, 'resultToken': base64.b64encode(r.randbytes(600)).decode(),
                 'testMode': False}, {'failedEvaluations': []}, ro=False, perr=0.01)


def e_backup_event(g, a):
    r, A, X = g.r, g.A, g.X
    vol = r.choice(X['vol'])
    details = {'backupJobId': guid(r).upper(), 'backupVaultName': 'Default', 'backupVaultArn': 'arn:aws:backup:%s:%s:backup-vault:Default' % (g.reg, A.id),
               'recoveryPointArn': 'arn:aws:ec2:%s::snapshot/snap-0%s' % (g.reg, hexs(r, 16)), 'resourceArn': 'arn:aws:ec2:%s:%s:volume/%s' % (g.reg, A.id, vol),
               'resourceType': 'EBS', 'state': r.choice(('COMPLETED',) * 9 + ('FAILED',)), 'completionDate': iamdate(g.ep),
               'creationDate': iamdate(g.ep - r.randrange(60, 1800)), 'backupSizeInBytes': r.randrange(1 << 28, 1 << 36),
               'iamRoleArn': 'arn:aws:iam::%s:role/service-role/AWSBackupDefaultServiceRole' % A.id}
    return g.rec(A.svc['internal'], 'backup', 'BackupJobCompleted', None, None, ro=False, et='AwsServiceEvent', rid=False, perr=0, details=details)


def e_rotate_key(g, a):
    k = g.karn()
    return g.rec(g.A.svc['internal'], 'kms', 'RotateKey', None, None, ro=False, et='AwsServiceEvent', rid=False, perr=0,
                 extra={'keyId': k}, res=g.resource(k, 'AWS::KMS::Key'))


# Plain calls whose response CloudTrail leaves null: (weight, scope, service, eventName or choices, request builder, errors).
READS = [
    (4.5, 'r', 'sts', 'GetCallerIdentity', lambda g, r, X: None, None),
    (3.5, 'r', 'ec2', 'DescribeSecurityGroups', lambda g, r, X: {'securityGroupSet': {}, 'securityGroupIdSet': {'items': [
        {'groupId': sg} for sg, _ in r.sample(X['sg'], r.randrange(0, 4))]}, 'filterSet': {'items': [{'name': 'vpc-id', 'valueSet': {
            'items': [{'value': r.choice(X['vpc'])}]}}]} if r.random() < 0.4 else {}}, None),
    (2.5, 'r', 'ec2', 'DescribeVolumes', lambda g, r, X: {'volumeSet': {}, 'filterSet': {'items': [{'name': 'attachment.instance-id', 'valueSet': {
        'items': [{'value': r.choice(X['inst'])}]}}]}} if r.random() < 0.5 else {'volumeSet': {'items': [{'volumeId': v} for v in r.sample(X['vol'], 3)]},
                                                                                   'filterSet': {}}, None),
    (1.2, 'r', 'lambda', 'ListFunctions20150331', lambda g, r, X: {'functionVersion': 'ALL'} if r.random() < 0.5 else None, None),
    (1.0, 'r', 'logs', ('DescribeLogGroups', 'DescribeLogStreams'), lambda g, r, X: {'logGroupName': r.choice(X['lgs']), 'limit': 50}, None),
    (0.5, 'r', 'cloudtrail', 'LookupEvents', lambda g, r, X: {'maxResults': 50, 'lookupAttributes': [{'attributeKey': 'EventName',
        'attributeValue': r.choice(('ConsoleLogin', 'RunInstances', 'AssumeRole'))}]}, None),
    (0.7, 'r', 'cloudtrail', 'DescribeTrails', lambda g, r, X: {'trailNameList': [], 'includeShadowTrails': True}, None),
    (0.8, 'r', 'guardduty', 'ListDetectors', lambda g, r, X: None, None),
    (0.5, 'r', 'config', 'DescribeConfigurationRecorderStatus', lambda g, r, X: None, None),
    (4.0, 'r', 'ssm', 'GetParameter', lambda g, r, X: {'name': r.choice(X['params']), 'withDecryption': r.random() < 0.6},
     [('ParameterNotFound', 'Parameter {name} not found.')]),
    (2.0, 'r', 'secretsmanager', 'GetSecretValue', lambda g, r, X: {
        'secretId': 'arn:aws:secretsmanager:%s:%s:secret:%s' % (g.reg, g.A.id, r.choice(X['secrets']))}, None),
    (2.5, 'r', 'dynamodb', 'DescribeTable', lambda g, r, X: {'tableName': r.choice(X['tables'])},
     [('ResourceNotFoundException', 'Requested resource not found: Table: {tableName} not found')]),
    (1.2, 'r', 'rds', 'DescribeDBInstances', lambda g, r, X: {'dBInstanceIdentifier': r.choice(X['db'])} if r.random() < 0.5 else {'maxRecords': 100},
     [('DBInstanceNotFoundFault', 'DBInstance not found.')]),
    (0.4, 'g', 'route53', 'ListHostedZones', lambda g, r, X: None, None),
    (0.8, 'g', 'iam', 'ListUsers', lambda g, r, X: None if r.random() < 0.6 else {'maxItems': 100}, None),
    (0.8, 'g', 'iam', 'GetUser', lambda g, r, X: {'userName': r.choice(g.A.user_names) if r.random() < 0.95 else r.choice(FIRST) + '.old'},
     [('NoSuchEntityException', 'The user with name {userName} cannot be found.')]),
    (1.0, 'g', 'iam', ('GetRole', 'ListRolePolicies', 'ListAttachedRolePolicies'), lambda g, r, X: {'roleName': r.choice(g.A.plain_roles)}, None),
]


def read_builder(svc, names, req, errs):
    def build(g, a):
        return g.rec(a or g.pick('r'), svc, names if isinstance(names, str) else g.r.choice(names), req(g, g.r, g.X), errs=errs)
    return build


# (relative weight, 'r' regional / 'g' logged in us-east-1 only, builder)
EVENTS = [(w, sc, read_builder(svc, nm, req, errs)) for w, sc, svc, nm, req, errs in READS] + [
    (8.0, 'r', e_assume_role), (1.2, 'r', e_assume_web), (14.0, 'r', e_kms), (7.0, 'r', e_describe_instances), (0.25, 'r', e_run_instances),
    (0.15, 'r', e_terminate), (0.12, 'r', e_authorize_sg), (9.0, 'r', e_s3_bucket_read), (0.06, 'r', e_put_bucket_policy),
    (3.0, 'r', e_lambda_invoke), (3.0, 'r', e_logs), (0.004, 'r', e_stop_logging), (1.5, 'r', e_config), (0.1, 'r', e_backup_event),
    (0.02, 'r', e_rotate_key), (1.5, 'g', e_list_buckets), (0.19, 'g', e_iam_write), (0.35, 'g', e_console_login),
    (0.1, 'g', e_assume_saml), (0.2, 'g', e_sso_creds), (0.1, 'g', e_credential_challenge),
]
# What a runaway script or scheduled inventory job hammers during a burst.
BURST = [e_describe_instances, e_s3_bucket_read] + [EVENTS[i][2] for i, x in enumerate(READS) if x[2] in ('ec2', 'ssm', 'dynamodb', 'rds', 'sts')]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--events', type=int, required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--start', default='2024-01-15T00:00:00Z')
    ap.add_argument('--days', type=int, default=3)
    ap.add_argument('--accounts', type=int, default=3)
    ap.add_argument('--regions', type=int, default=4)
    ap.add_argument('--jsonl', action='store_true', help='write uncompressed JSON-lines (.jsonl) instead of .json.gz')
    args = ap.parse_args()
    files, bz, bj = Gen(args).run(args.events, args.out)
    print(json.dumps({'events': args.events, 'files': files, 'bytes_gz': bz, 'bytes_json': bj}))


if __name__ == '__main__':
    main()
