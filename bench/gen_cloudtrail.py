#!/usr/bin/env python3
"""Deterministic, realistic AWS CloudTrail log generator for trailwarden benchmarks.

  python3 bench/gen_cloudtrail.py --events N --out DIR [--seed S] [--start 2024-01-15T00:00:00Z]
                                  [--days D] [--accounts A] [--regions R] [--jsonl]

Files are laid out as CloudTrail delivers them to S3:
  DIR/AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<rand16>.json.gz
All randomness comes from seeded random.Random instances (never the clock, uuid4 or os.urandom)
and gzip mtime is 0, so identical arguments give byte-identical output. Standard library only.
"""
import argparse, base64, calendar, gzip, itertools, json, math, os, random, time
from urllib.parse import quote

REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2', 'ap-southeast-2', 'eu-central-1', 'us-east-2',
           'ap-northeast-1', 'ca-central-1', 'eu-west-2', 'ap-south-1', 'sa-east-1', 'eu-north-1']
# Orgs concentrate in one or two home regions; the others mostly see baseline automation.
REGION_W = [1.0, 0.5, 0.3, 0.12, 0.25, 0.2, 0.1, 0.08, 0.12, 0.08, 0.05, 0.05]
CLUMP = 40          # typical size of one automation job landing in an otherwise quiet 5-minute slot
B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'                  # alphabet of real access-key / principal ids
UPAN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
ALNUM = UPAN + 'abcdefghijklmnopqrstuvwxyz'
MON = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split()
FIRST = ('alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy rupert sybil trent victor '
         'walter yusuf zoe priya chen mateo amara lars sofia kenji fatima lucas nora omar').split()
LAST = 'smith jones nguyen garcia muller rossi tanaka kowalski silva patel okafor johansson dubois kim ivanova murphy cohen haddad novak reyes'.split()
UA = {  # real-world user agents by client family
    'cli': ['aws-cli/2.15.10 Python/3.11.6 Darwin/23.2.0 exe/x86_64 prompt/off',
            'aws-cli/2.13.25 Python/3.11.5 Linux/6.2.0-1016-aws exe/x86_64.ubuntu.22 prompt/off',
            'aws-cli/1.29.62 Python/3.9.16 Windows/10 botocore/1.31.62'],
    'boto': ['Boto3/1.34.14 md/Botocore#1.34.14 ua/2.0 os/linux#5.10.205-195.804.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.6 '
             'md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.14', 'Boto3/1.28.57 Python/3.9.18 Linux/5.15.0-1051-aws Botocore/1.31.57'],
    'tf': ['APN/1.0 HashiCorp/1.0 Terraform/1.6.6 (+https://www.terraform.io) terraform-provider-aws/5.31.0 (+https://registry.terraform.io/'
           'providers/hashicorp/aws) aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.141.0'],
    'go': ['aws-sdk-go/1.49.13 (go1.21.5; linux; amd64)',
           'aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/sts#1.26.6'],
    'java': ['aws-sdk-java/2.21.46 Linux/5.10.201-191.748.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.9+8-LTS Java/17.0.9 '
             'vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy'],
    'ecs': ['aws-sdk-java/2.21.46 Linux/5.10.201-191.748.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.9+8-LTS Java/17.0.9 '
            'vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy'],
    'node': ['aws-sdk-nodejs/2.1490.0 linux/v18.18.2 exec-env/AWS_Lambda_nodejs18.x promise'],
    'web': ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91',
            'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'],
}
TLS = [('TLSv1.3', 'TLS_AES_128_GCM_SHA256'), ('TLSv1.3', 'TLS_AES_256_GCM_SHA384'), ('TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256')]
VER = {'ec2': '1.09', 's3': '1.09', 'signin': '1.09', 'lambda': '1.09', 'ssm': '1.09', 'sso': '1.09'}   # schema version varies by service
API = {'route53': '2013-04-01'}                                                                         # the few services logging apiVersion
VPCE_SVCS = ('s3', 'kms', 'ssm', 'secretsmanager', 'sts', 'logs', 'dynamodb', 'ec2')
PUBLIC_NETS = [3, 18, 34, 35, 44, 52, 54, 62, 77, 81, 85, 86, 91, 98, 104, 142, 151, 176, 185, 203, 212]


def iso(ep):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(ep))


def iamdate(ep, comma=False):
    """IAM and STS log their own dates in a Java-ish 'Jan 15, 2024 10:03:11 AM' form."""
    t = time.gmtime(ep)
    return '%s %d, %d%s %d:%02d:%02d %s' % (MON[t.tm_mon - 1], t.tm_mday, t.tm_year, ',' if comma else '',
                                            t.tm_hour % 12 or 12, t.tm_min, t.tm_sec, 'AM' if t.tm_hour < 12 else 'PM')


def kid(r, prefix, n=16):
    return prefix + ''.join(r.choices(B32, k=n))


def hexs(r, n):
    return '%0*x' % (n, r.getrandbits(4 * n))


def guid(r):
    h = '%032x' % r.getrandbits(128)   # laid out as a version-4 UUID with the RFC 4122 variant bits
    return '%s-%s-4%s-%x%s-%s' % (h[:8], h[8:12], h[13:16], 8 | int(h[16], 16) & 3, h[17:20], h[20:])


def pub_ip(r, v6=False):
    if v6:
        return '2a02:%x:%x:%x::%x' % (r.randrange(0x1000, 0xffff), r.randrange(0xffff), r.randrange(0xffff), r.randrange(1, 0xffff))
    return '%d.%d.%d.%d' % (r.choice(PUBLIC_NETS), r.randrange(256), r.randrange(256), r.randrange(1, 255))


def b64(r, n):
    return base64.b64encode(r.randbytes(n)).decode()


class Actor:
    """A principal plus how it reaches AWS (source IP, client, TLS stack, VPC endpoint).
    `static` identities never change; the others hold temporary credentials (see session_ident)."""
    __slots__ = ('name', 'kind', 'ip', 'ua', 'arn', 'p', 'static', 'tls', 'console', 'vpce', 'cache')

    def __init__(self, name, kind, ip, ua, arn, p=None, static=None, tls=0, console=False, vpce=None):
        self.name, self.kind, self.ip, self.ua, self.arn, self.p = name, kind, ip, ua, arn, p or {}
        self.static, self.tls, self.console, self.vpce, self.cache = static, tls, console, vpce, {}


def session_ident(r, p, hour):
    """Temporary credentials roll every hour: a new ASIA key and session creation time."""
    sc = {'sessionIssuer': p.get('issuer', {}), 'webIdFederationData': p.get('wif', {}),
          'attributes': {'creationDate': iso(hour * 3600 - r.randrange(2400)), 'mfaAuthenticated': p.get('mfa', 'false')}}
    if p.get('ec2rd'):
        sc['ec2RoleDelivery'] = '2.0'
    if p.get('srcid'):
        sc['sourceIdentity'] = p['srcid']
    d = dict(p['base'], accessKeyId=kid(r, 'ASIA'), sessionContext=sc)
    if p.get('inv'):
        d['invokedBy'] = p['inv']
    return d


class Account:
    """One AWS account's stable population of people, automation, services, outsiders and resources."""

    def __init__(self, g, aid, w):
        self.id, self.w, self.seed, self.externals = aid, w, g.seed, g.externals
        r = random.Random('%s/acct/%s' % (g.seed, aid))
        self.buckets = ['acme-%s-%s-%s' % (env, kind, aid) for env in ('prod', 'stage', 'data')
                        for kind in ('logs', 'assets', 'backups', 'tfstate', 'uploads')][:r.randrange(8, 15)]
        self.roles, self.web, self.user_names, self.regional, self.n = [], [], [], {}, 0
        pools = {'h': self._people(r), 'a': self._automation(r), 'o': self._others(r)}
        self.pools = {k: ([a for a, _ in v], list(itertools.accumulate(w for _, w in v))) for k, v in pools.items()}
        self.plain_roles = [n for path, n in self.roles if path == '/']

    def role(self, r, name, path='/'):
        rid = kid(r, 'AROA', 17)
        self.roles.append((path, name))
        return rid, {'type': 'Role', 'principalId': rid, 'arn': 'arn:aws:iam::%s:role%s%s' % (self.id, path, name),
                     'accountId': self.id, 'userName': name}

    def assumed(self, r, role, sess, ip, ua, kind='auto', tls=0, vpce=None, **p):
        rid, issuer = role
        arn = 'arn:aws:sts::%s:assumed-role/%s/%s' % (self.id, issuer['userName'], sess)
        p.update(issuer=issuer, base={'type': 'AssumedRole', 'principalId': '%s:%s' % (rid, sess), 'arn': arn, 'accountId': self.id})
        self.n += 1   # distinct credentials even when role, session name and IP coincide
        return Actor('%s#%d' % (arn, self.n), kind, ip, ua, arn, p=p, tls=tls, vpce=vpce)

    def _people(self, r):
        offices = [pub_ip(r), pub_ip(r)]
        sso = [self.role(r, 'AWSReservedSSO_%s_%s' % (n, hexs(r, 16)), '/aws-reserved/sso.amazonaws.com/')
               for n in ('AdministratorAccess', 'PowerUserAccess', 'ReadOnlyAccess', 'DeveloperAccess')]
        out = []
        for _ in range(r.randrange(20, 41)):
            name = '%s.%s' % (r.choice(FIRST), r.choice(LAST))
            ip = r.choice(offices) if r.random() < 0.55 else pub_ip(r, r.random() < 0.15)
            ua, web, tls = r.choice(UA[r.choices(('cli', 'boto', 'tf', 'go'), (5, 3, 2, 1))[0]]), r.choice(UA['web']), r.randrange(3)
            act = r.lognormvariate(0, 1.0)   # a few power users produce most human traffic
            if r.random() < 0.45 and name not in self.user_names:   # IAM user: access key for tools, temp creds in the console
                arn = 'arn:aws:iam::%s:user/%s' % (self.id, name)
                base = {'type': 'IAMUser', 'principalId': kid(r, 'AIDA', 17), 'arn': arn, 'accountId': self.id}
                p = {'user': name, 'mfa': 'true' if r.random() < 0.7 else 'false', 'base': dict(base, userName=name)}
                cli = Actor(arn + '#cli', 'user', ip, ua, arn, p=p, static=dict(base, accessKeyId=kid(r, 'AKIA'), userName=name), tls=tls)
                con = Actor(arn + '#web', 'user', ip, web, arn, p=p, tls=1, console=True)
                self.user_names.append(name)
            else:                   # Identity Center user working through a permission-set role
                role, mail = r.choices(sso, (2, 3, 3, 5))[0], name + '@example.com'
                cli, con = self.assumed(r, role, mail, ip, ua, 'sso', tls), self.assumed(r, role, mail, ip, web, 'sso', 1)
                con.console = True
            out += [(cli, act), (con, act * 0.7)]
            self.web.append(con)
        self.user_names = self.user_names or ['svc-deploy']
        return out

    def _automation(self, r):
        self.delivered = {'ec2': [], 'ecs-tasks': [], 'lambda': []}   # (role, session) each service obtains credentials for
        nat = [pub_ip(r) for _ in range(3)]
        aws_ip = lambda: '%d.%d.%d.%d' % (r.choice((3, 18, 34, 44, 52, 54)), r.randrange(256), r.randrange(256), r.randrange(1, 255))
        vpce, out = 'vpce-0' + hexs(r, 16), []
        gh = {'federatedProvider': 'arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com' % self.id, 'attributes': {}}
        for role, fam, sk, w, p in (   # role, client family, session kind, activity, session extras
                ('app-server-role', 'java', 'inst', 6, {'ec2rd': 1}), ('eks-node-group-NodeInstanceRole', 'go', 'inst', 5, {'ec2rd': 1}),
                ('ecs-task-orders-api', 'ecs', 'task', 4, {}), ('lambda-orders-processor', 'node', 'fn', 3, {}),
                ('github-actions-deploy', 'tf', 'GitHubActions', 1.2, {'wif': gh}), ('terraform-apply', 'tf', 'tf', 0.8, {'srcid': 'ci-bot'}),
                ('DatadogIntegrationRole', 'go', 'DatadogAWSIntegration', 3, {}), ('security-audit', 'boto', 'prowler', 1.0, {}),
                ('backup-reporter', 'boto', 'inst', 0.8, {'ec2rd': 1})):
            rr, fleet = self.role(r, role), 4 if sk in ('inst', 'task') else 1
            for _ in range(fleet):
                sess = {'inst': 'i-0' + hexs(r, 16), 'task': hexs(r, 32), 'fn': role, 'tf': 'terraform-%d' % r.randrange(10**9, 2 * 10**9)}.get(sk, sk)
                if sk in ('inst', 'task', 'fn'):
                    self.delivered[{'inst': 'ec2', 'task': 'ecs-tasks', 'fn': 'lambda'}[sk]].append((role, sess))
                private = sk == 'inst' and r.random() < 0.5   # instances in private subnets reach AWS through a VPC endpoint
                ip = ('10.%d.%d.%d' % (r.randrange(4), r.randrange(256), r.randrange(1, 255)) if private else
                      aws_ip() if sk in ('fn', 'task') else r.choice(nat) if sk == 'inst' else pub_ip(r))
                out.append((self.assumed(r, rr, sess, ip, r.choice(UA[fam]), tls=r.randrange(2), vpce=vpce if private else None, **p), w / fleet))
        # Service-linked roles: AWS calls on our behalf, so no TLS details and the "IP" is the service.
        for role, svc, sess, w in (('AWSServiceRoleForConfig', 'config', 'AWSConfig-Describe', 2.5),
                                   ('AWSServiceRoleForAmazonGuardDuty', 'guardduty', 'AmazonGuardDuty-Scan', 0.8),
                                   ('AWSServiceRoleForCloudFormationStackSetsOrgMember', 'cloudformation', 'AWSCloudFormation', 0.4)):
            h = svc + '.amazonaws.com'
            a = self.assumed(r, self.role(r, role, '/aws-service-role/%s/' % h), sess, h, h, 'slr', tls=None, inv=h)
            if svc == 'config':
                self.config_slr = a
            out.append((a, w))
        self.lambda_fns = ['orders-processor', 'thumbnailer', 'audit-forwarder', 'nightly-report', 'slack-notifier']
        self.lambda_workers = [self.assumed(r, self.role(r, 'lambda-%s-exec' % f), f, aws_ip(), 'awslambda-worker/1.0 rusoto/0.48.0 rust/1.69.0 linux')
                               for f in self.lambda_fns]
        self.delivered['lambda'] += [('lambda-%s-exec' % f, f) for f in self.lambda_fns]
        self.svc = {s: Actor(s, 'svc', s + '.amazonaws.com', s + '.amazonaws.com', '', static={'type': 'AWSService', 'invokedBy': s + '.amazonaws.com'},
                             tls=None) for s in ('ec2', 'lambda', 'ecs-tasks', 's3', 'secretsmanager', 'cloudtrail', 'logs', 'events', 'ssm')}
        self.svc['internal'] = Actor('internal', 'svc', 'AWS Internal', 'AWS Internal', '', static={'accountId': self.id, 'invokedBy': 'AWS Internal'}, tls=None)
        return out

    def _others(self, r):
        """Rare principals: root, federated users, other accounts; Identity Center users for the SSO portal."""
        rarn = 'arn:aws:iam::%s:root' % self.id
        base = {'type': 'Root', 'principalId': self.id, 'arn': rarn, 'accountId': self.id}
        self.root = Actor(rarn, 'root', pub_ip(r), r.choice(UA['web']), rarn, p={'base': base, 'mfa': 'true'}, tls=1, console=True)
        out = [(self.root, 0.15), (Actor(rarn + '#key', 'root', pub_ip(r), UA['cli'][0], rarn, static=dict(base, accessKeyId=kid(r, 'AKIA'))), 0.05)]
        for fed in ('partner-portal', 'reporting-app'):
            arn = 'arn:aws:sts::%s:federated-user/%s' % (self.id, fed)
            issuer = {'type': 'IAMUser', 'principalId': kid(r, 'AIDA', 17), 'arn': 'arn:aws:iam::%s:user/svc-%s' % (self.id, fed),
                      'accountId': self.id, 'userName': 'svc-' + fed}
            out.append((Actor(arn, 'fed', pub_ip(r), UA['java'][0], arn, p={'issuer': issuer, 'base': {
                'type': 'FederatedUser', 'principalId': '%s:%s' % (self.id, fed), 'arn': arn, 'accountId': self.id}}), 1.0))
        for ext in self.externals:
            st = {'type': 'AWSAccount', 'principalId': kid(r, 'AROA', 17) + ':' + r.choice(('cross-acct-sync', 'inventory', 'i-0' + hexs(r, 16))),
                  'accountId': ext}
            out.append((Actor('ext#' + ext, 'ext', r.choice(('AWS Internal', pub_ip(r))), r.choice(UA['boto'] + UA['go']),
                              'arn:aws:iam::%s:root' % ext, static=st), 1.2))
        store = 'arn:aws:identitystore::%s:identitystore/d-90%s' % (self.id, hexs(r, 8))
        self.idc = [{'type': 'IdentityCenterUser', 'accountId': self.id, 'onBehalfOf': {'userId': guid(r), 'identityStoreArn': store},
                     'credentialId': ''.join(r.choices(ALNUM + '_-', k=64))} for _ in range(6)]
        return out

    def res(self, region):
        """Per-region resource pools, so instance ids etc. never repeat across regions."""
        x = self.regional.get(region)
        if x is None:
            r = random.Random('%s/res/%s/%s' % (self.seed, self.id, region))
            vpc = ['vpc-0' + hexs(r, 16) for _ in range(3)]
            x = self.regional[region] = {
                'vpc': vpc, 'sub': [('subnet-0' + hexs(r, 16), vpc[i % 3], region + 'abc'[i % 3]) for i in range(9)],
                'ami': ['ami-0' + hexs(r, 16) for _ in range(6)], 'inst': ['i-0' + hexs(r, 16) for _ in range(120)],
                'vol': ['vol-0' + hexs(r, 16) for _ in range(150)], 'key': [guid(r) for _ in range(8)], 'lt': 'lt-0' + hexs(r, 16),
                'sg': [('sg-0' + hexs(r, 16), n) for n in 'default web-alb app-tier db-tier bastion eks-cluster eks-nodes lambda-egress vpn'.split()],
                'tables': ['orders', 'sessions', 'inventory', 'users-prod', 'terraform-locks', 'events-archive'],
                'db': ['orders-db-prod', 'analytics-replica-1', 'keycloak-db', 'reporting-aurora-cluster-instance-1'],
                'params': ['/prod/app/db_host', '/prod/app/feature_flags', '/prod/orders/api_url', '/shared/datadog/api_key',
                           '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64', '/prod/eks/cluster_name'],
                'secrets': ['prod/orders/db-credentials-' + hexs(r, 6), 'prod/stripe/api-key-' + hexs(r, 6), 'ci/github-token-' + hexs(r, 6)],
                'lgs': ['/aws/lambda/' + f for f in self.lambda_fns] + ['/ecs/orders-api', '/aws/eks/prod/cluster']}
        return x


class Gen:
    def __init__(self, args):
        self.seed, self.jsonl, self.days = args.seed, args.jsonl, args.days
        r = self.r = random.Random(args.seed)
        self.start = calendar.timegm(time.strptime(args.start, '%Y-%m-%dT%H:%M:%SZ'))
        self.regions = REGIONS[:max(1, min(args.regions, len(REGIONS)))]
        self.externals = ['%012d' % r.randrange(10**11, 10**12) for _ in range(3)]
        self.accounts = [Account(self, '%012d' % r.randrange(10**11, 10**12), (1.0, 0.55, 0.3, 0.2, 0.15)[i] if i < 5 else 0.1)
                         for i in range(args.accounts)]
        self.tls_cache, self.host_cache, self.tables = {}, {}, {}
        for reg in self.regions:   # IAM, sign-in, Route 53 etc. are logged in us-east-1 only
            evs = [e for e in EVENTS if reg == 'us-east-1' or e[1] == 'r']
            self.tables[reg] = ([f for _, _, f in evs], list(itertools.accumulate(w for w, _, _ in evs)))

    # ---- helpers for event builders ----------------------------------------------------------------
    def pick(self, mix='r'):
        """Who makes a call: reads are dominated by automation, writes by people and CI."""
        x = self.r.random()
        pool = 'h' if mix == 'h' or x < (0.28 if mix == 'r' else 0.55) else 'o' if x > 0.985 else 'a'
        actors, cw = self.A.pools[pool]
        return self.r.choices(actors, cum_weights=cw)[0]

    def ident(self, a):
        if a.static is not None:
            return a.static
        hour = self.ep // 3600
        d = a.cache.get(hour)
        if d is None:   # derived from (seed, actor, hour) alone, so output never depends on call order
            if len(a.cache) > 6:
                a.cache.clear()
            d = a.cache[hour] = session_ident(random.Random('%s/%s/%d' % (self.seed, a.name, hour)), a.p, hour)
        return d

    def tls(self, v, host):
        t = self.tls_cache.get((v, host))
        if t is None:
            t = self.tls_cache[(v, host)] = {'tlsVersion': TLS[v][0], 'cipherSuite': TLS[v][1], 'clientProvidedHostHeader': host}
        return t

    def host(self, svc):
        h = self.host_cache.get((svc, self.reg))
        if h is None:
            glob = {'iam': 'iam.amazonaws.com', 'route53': 'route53.amazonaws.com', 's3': 's3.amazonaws.com', 'sso': 'portal.sso.us-east-1.amazonaws.com',
                    'sts': 'sts.amazonaws.com' if self.reg == 'us-east-1' else None}
            h = self.host_cache[(svc, self.reg)] = glob.get(svc) or '%s.%s.amazonaws.com' % (svc, self.reg)
        return h

    def error(self, a, svc, name, errs, req):
        r = self.r
        if errs:
            code, msg = r.choice(errs)
        elif svc == 'ec2':
            code, msg = r.choice((('Client.UnauthorizedOperation', 'You are not authorized to perform this operation.'),
                                  ('Client.RequestLimitExceeded', 'Request limit exceeded.')))
        elif svc == 's3':
            code, msg = 'AccessDenied', 'Access Denied'
        elif r.random() < 0.25:
            code, msg = 'ThrottlingException', 'Rate exceeded'
        else:
            code = 'AccessDenied' if svc in ('iam', 'sts') else 'AccessDeniedException'
            msg = 'User: {arn} is not authorized to perform: {svc}:{event} because no identity-based policy allows the {svc}:{event} action'
        # Messages may quote request fields ({userName}...) as well as the caller and the action.
        return code, msg.format_map(dict(req or {}, arn=a.arn or 'arn:aws:iam::%s:root' % self.A.id, svc=svc, event=name))

    def rec(self, a, svc, name, req, resp=None, ro=True, extra=None, res=None, et='AwsApiCall', errs=None, perr=0.045,
            rid=None, host=None, shared=False, mgmt=True, ident=None, details=None, err=None):
        """Assemble one record, optional fields in the order CloudTrail itself writes them."""
        r = self.r
        d = {'eventVersion': VER.get(svc, '1.08'), 'userIdentity': ident or self.ident(a), 'eventTime': iso(self.ep),
             'eventSource': svc + '.amazonaws.com', 'eventName': name, 'awsRegion': self.reg, 'sourceIPAddress': a.ip, 'userAgent': a.ua}
        if err is None and perr and a.kind != 'svc' and r.random() < perr:
            err, resp = self.error(a, svc, name, errs, req), None
        if err:
            if err[0]:
                d['errorCode'] = err[0]
            d['errorMessage'] = err[1]
        d['requestParameters'], d['responseElements'] = req, resp
        if extra is not None:
            d['additionalEventData'] = extra
        if rid is not False:
            d['requestID'] = rid or guid(r)
        d['eventID'], d['readOnly'] = guid(r), ro
        if res:
            d['resources'] = [{'accountId': self.A.id, 'type': res[1], 'ARN': res[0]}]
        d['eventType'] = et
        if svc in API:
            d['apiVersion'] = API[svc]
        d['managementEvent'], d['recipientAccountId'] = mgmt, self.A.id
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

    # ---- volume and layout ---------------------------------------------------------------------------
    def plan(self, n):
        """Spread n events over (5-min slot, account, region) cells: daily rhythm, weekends, noise, bursts."""
        r, cells = self.r, []
        for s in range(self.days * 288):
            t = time.gmtime(self.start + s * 300)
            work = math.exp(-((t.tm_hour + t.tm_min / 60 - 14.0) / 3.5) ** 2) * (0.3 if t.tm_wday >= 5 else 1.0)  # EU + US-east day
            sw = (0.3 + 2.2 * work) * r.lognormvariate(0, 0.3)
            for ai, A in enumerate(self.accounts):
                for ri, reg in enumerate(self.regions):
                    # Hourly cron jobs in the home region, plus ad-hoc automation bursts anywhere.
                    burst = r.random() < 0.02 or (s % 12 == ai and ri == 0 and r.random() < 0.5)
                    w = sw * A.w * REGION_W[REGIONS.index(reg)] * r.lognormvariate(0, 0.7) * (r.uniform(4, 12) if burst else 1)
                    cells.append((s, A, reg, w, burst))
        total, counts = sum(c[3] for c in cells), []
        for c in cells:
            e = n * c[3] / total
            # A quiet account-region gets nothing or one job's clump rather than a steady trickle: same
            # expectation, but many slots without a file, as in real trails.
            counts.append((int(r.expovariate(1 / CLUMP)) + 1 if r.random() < e / CLUMP else 0) if e < CLUMP else int(e) + (r.random() < e % 1))
        live = [i for i, k in enumerate(counts) if k] or [max(range(len(cells)), key=lambda i: cells[i][3])]
        cw, got = list(itertools.accumulate(cells[i][3] for i in live)), sum(counts)
        while got != n:   # settle the rounding drift on live cells without creating or emptying files
            i = r.choices(live, cum_weights=cw)[0]
            if got < n or counts[i] > 1:
                counts[i] += 1 if got < n else -1
                got += 1 if got < n else -1
        return [c[:3] + (k, c[4]) for c, k in zip(cells, counts) if k]

    def cell(self, s, A, reg, n, burst):
        r = self.r
        self.A, self.reg, self.X = A, reg, A.res(reg)
        base = self.start + s * 300
        offs = sorted(r.randrange(-45 if s else 0, 300) for _ in range(n))   # a few events arrive one delivery late
        fns, cw = self.tables[reg]
        evs = r.choices(fns, cum_weights=cw, k=n)
        if burst:   # one automation principal hammering a handful of read APIs
            ba, bev = r.choice(A.pools['a'][0]), r.sample(BURST, 3)
        out = []
        for i in range(n):
            self.ep = base + offs[i]
            out.append(r.choice(bev)(self, ba) if burst and r.random() < 0.7 else evs[i](self, None))
        for _ in range(n // 6):   # files are only roughly time-ordered
            i = r.randrange(n - 1)
            out[i], out[i + 1] = out[i + 1], out[i]
        return base, out

    def run(self, n, outdir):
        files = bz = bj = 0
        made = set()
        for s, A, reg, k, burst in self.plan(n):
            base, rest = self.cell(s, A, reg, k, burst)
            while rest:   # like CloudTrail, split a busy window over several files of up to ~2000 records
                cut = len(rest) if len(rest) <= 2000 else self.r.randrange(800, 2001)
                recs, rest = rest[:cut], rest[cut:]
                t = time.gmtime(base + 300 + self.r.randrange(180))   # delivered a few minutes after the slot closes
                d = os.path.join(outdir, 'AWSLogs', A.id, 'CloudTrail', reg, time.strftime('%Y/%m/%d', t))
                if d not in made:
                    os.makedirs(d, exist_ok=True)
                    made.add(d)
                path = os.path.join(d, '%s_CloudTrail_%s_%s_%s' % (A.id, reg, time.strftime('%Y%m%dT%H%MZ', t), ''.join(self.r.choices(ALNUM, k=16))))
                if self.jsonl:
                    data = blob = ''.join(json.dumps(x, separators=(',', ':')) + '\n' for x in recs).encode()
                    path += '.jsonl'
                else:
                    data = json.dumps({'Records': recs}, separators=(',', ':')).encode()
                    blob, path = gzip.compress(data, 6, mtime=0), path + '.json.gz'
                    bz += len(blob)
                with open(path, 'wb') as f:
                    f.write(blob)
                files, bj = files + 1, bj + len(data)
        return files, bz, bj


# ---- event builders: each returns one record; `a`, if given, forces the caller (bursts) -------------

def sts_resp(g, role, sess, **more):
    """STS responses carry a fresh key and a long session token: the bulk of an AssumeRole record."""
    r = g.r
    return dict({'credentials': {'accessKeyId': kid(r, 'ASIA'), 'sessionToken': 'IQoJb3JpZ2luX2VjE' + b64(r, r.randrange(480, 720)),
                                 'expiration': iamdate(g.ep + 3600, True)}}, **more, assumedRoleUser={
        'assumedRoleId': '%s:%s' % (kid(r, 'AROA', 17), sess), 'arn': 'arn:aws:sts::%s:assumed-role/%s/%s' % (g.A.id, role, sess)})


def e_assume_role(g, a):
    r, A = g.r, g.A
    a = a or (A.svc[r.choice(('ec2', 'ec2', 'lambda', 'ecs-tasks'))] if r.random() < 0.55 else g.pick('r'))
    if a.kind == 'svc':   # a service fetching credentials for an instance profile, function or task role
        role, sess = r.choice(A.delivered[a.name])
        req = {'roleArn': 'arn:aws:iam::%s:role/%s' % (A.id, role), 'roleSessionName': sess}
    else:
        path, role = ('/', r.choice(A.plain_roles)) if a.kind != 'sso' else r.choice(A.roles)
        sess = r.choice(('botocore-session-%d' % r.randrange(10**9, 2 * 10**9), 'aws-go-sdk-%d' % (g.ep * 1000), 'AWSCLI-Session',
                         a.arn.rsplit('/', 1)[-1][:64]))
        req = {'roleArn': 'arn:aws:iam::%s:role%s%s' % (A.id, path, role), 'roleSessionName': sess, 'durationSeconds': r.choice((900, 3600, 3600, 43200))}
        if a.kind == 'ext':
            req['externalId'] = hexs(r, 24)
    return g.rec(a, 'sts', 'AssumeRole', req, sts_resp(g, role, sess), res=(req['roleArn'], 'AWS::IAM::Role'), shared=r.random() < 0.05, perr=0.03)


def e_assume_web(g, a):
    """EKS IRSA pods and GitHub Actions trading OIDC tokens for role credentials."""
    r, A = g.r, g.A
    role = r.choice(('github-actions-deploy', 'eks-irsa-external-dns', 'eks-irsa-aws-load-balancer-controller'))
    prov = 'token.actions.githubusercontent.com' if role[0] == 'g' else 'oidc.eks.%s.amazonaws.com/id/%s' % (g.reg, hexs(r, 32).upper())
    sess = 'GitHubActions' if role[0] == 'g' else 'botocore-session-%d' % r.randrange(10**9, 2 * 10**9)
    sub = 'repo:acme/infra:ref:refs/heads/main' if role[0] == 'g' else 'system:serviceaccount:kube-system:' + role[9:]
    ident = {'type': 'WebIdentityUser', 'principalId': '%s:sts.amazonaws.com:%s' % (prov, sub), 'userName': sub, 'identityProvider': prov}
    rarn = 'arn:aws:iam::%s:role/%s' % (A.id, role)
    resp = sts_resp(g, role, sess, subjectFromWebIdentityToken=sub, provider='arn:aws:iam::%s:oidc-provider/%s' % (A.id, prov), audience='sts.amazonaws.com')
    return g.rec(a or g.pick('r'), 'sts', 'AssumeRoleWithWebIdentity', {'roleArn': rarn, 'roleSessionName': sess}, resp, ident=ident,
                 extra={'identityProviderConnectionVerificationMethod': 'IAMTrustStore'}, res=(rarn, 'AWS::IAM::Role'))


def e_assume_saml(g, a):
    r, A = g.r, g.A
    user, idp = r.choice(A.user_names) + '@example.com', 'hZsmZ0EjwUHMDv8yKLePFLxWJOo='
    rarn = 'arn:aws:iam::%s:role/OktaAdmins' % A.id
    req = {'sAMLAssertionID': '_' + hexs(r, 32), 'roleSessionName': user, 'principalArn': 'arn:aws:iam::%s:saml-provider/Okta' % A.id,
           'roleArn': rarn, 'durationSeconds': 3600}
    resp = sts_resp(g, 'OktaAdmins', user, subject=user, subjectType='persistent', issuer='http://www.okta.com/exk' + hexs(r, 17),
                    audience='https://signin.aws.amazon.com/saml', nameQualifier=idp)
    return g.rec(a or r.choice(A.web), 'sts', 'AssumeRoleWithSAML', req, resp, res=(rarn, 'AWS::IAM::Role'),
                 ident={'type': 'SAMLUser', 'principalId': idp + ':' + user, 'userName': user, 'identityProvider': idp})


KMS_CTX = {   # encryption context each relaying service attaches
    's3': lambda g, r: {'aws:s3:arn': 'arn:aws:s3:::%s/%s/%s.parquet' % (r.choice(g.A.buckets), time.strftime('%Y/%m/%d', time.gmtime(g.ep)), hexs(r, 12))},
    'secretsmanager': lambda g, r: {'SecretARN': 'arn:aws:secretsmanager:%s:%s:secret:%s' % (g.reg, g.A.id, r.choice(g.X['secrets'])),
                                    'SecretVersionId': guid(r)},
    'ssm': lambda g, r: {'PARAMETER_ARN': 'arn:aws:ssm:%s:%s:parameter%s' % (g.reg, g.A.id, r.choice(g.X['params']))},
    'logs': lambda g, r: {'aws:logs:arn': 'arn:aws:logs:%s:%s:log-group:%s' % (g.reg, g.A.id, r.choice(g.X['lgs']))},
    'cloudtrail': lambda g, r: {'aws:cloudtrail:arn': 'arn:aws:cloudtrail:us-east-1:%s:trail/org-trail' % g.A.id}}


def e_kms(g, a):
    """KMS traffic is mostly AWS services (de|en)crypting on behalf of a caller: SSE-KMS, Secrets Manager..."""
    r, A = g.r, g.A
    svc = r.choice(('s3', 's3', 'secretsmanager', 'ssm', 'logs', 'cloudtrail'))
    ctx, karn, ident = KMS_CTX[svc](g, r), 'arn:aws:kms:%s:%s:key/%s' % (g.reg, A.id, r.choice(g.X['key'])), None
    if a is None:   # either the service's own identity, or the caller's session tagged with the relaying service
        ident = None if r.random() < 0.45 or svc == 'cloudtrail' else dict(g.ident(g.pick('r')), invokedBy=svc + '.amazonaws.com')
        a = A.svc[svc]
    if r.random() < 0.64:
        name, req = 'Decrypt', {'encryptionContext': ctx, 'encryptionAlgorithm': 'SYMMETRIC_DEFAULT'}
    else:
        name, req = 'GenerateDataKey', {'keyId': karn if r.random() < 0.5 else 'alias/aws/' + svc, 'encryptionContext': ctx, 'keySpec': 'AES_256'}
    return g.rec(a, 'kms', name, req, None, res=(karn, 'AWS::KMS::Key'), ident=ident, perr=0.006, shared=r.random() < 0.03)


def e_describe_instances(g, a):
    r, X = g.r, g.X
    if r.random() < 0.5:
        req = {'instancesSet': {'items': [{'instanceId': i} for i in r.sample(X['inst'], r.choice((1, 1, 2, 5)))]}, 'filterSet': {}}
    else:
        req = {'maxResults': 1000, 'instancesSet': {}, 'filterSet': {'items': [
            {'name': 'instance-state-name', 'valueSet': {'items': [{'value': 'running'}, {'value': 'pending'}]}},
            {'name': 'tag:kubernetes.io/cluster/prod', 'valueSet': {'items': [{'value': 'owned'}]}}][:r.randrange(3)]}}
    return g.rec(a or g.pick('r'), 'ec2', 'DescribeInstances', req)


INSTANCE_TAIL = {   # the part of a RunInstances response item that does not vary between launches
    'architecture': 'x86_64', 'rootDeviceType': 'ebs', 'rootDeviceName': '/dev/xvda', 'blockDeviceMapping': {}, 'virtualizationType': 'hvm',
    'hypervisor': 'xen', 'sourceDestCheck': True, 'ebsOptimized': False, 'enaSupport': True, 'cpuOptions': {'coreCount': 1, 'threadsPerCore': 2},
    'capacityReservationSpecification': {'capacityReservationPreference': 'open'}, 'hibernationOptions': {'configured': False},
    'enclaveOptions': {'enabled': False}, 'metadataOptions': {'state': 'pending', 'httpTokens': 'required', 'httpPutResponseHopLimit': 2,
    'httpEndpoint': 'enabled', 'httpProtocolIpv4': 'ipv4', 'httpProtocolIpv6': 'disabled', 'instanceMetadataTags': 'disabled'},
    'maintenanceOptions': {'autoRecovery': 'default'},
    'privateDnsNameOptions': {'hostnameType': 'ip-name', 'enableResourceNameDnsARecord': False, 'enableResourceNameDnsAAAARecord': False}}


def e_run_instances(g, a):
    """The long tail: RunInstances echoes a ~2.5 KB description of every launched instance."""
    r, A, X = g.r, g.A, g.X
    n, itype, ami = r.choice((1, 1, 1, 2, 3, 4, 6, 10)), r.choice(('t3.medium', 'm6i.large', 'c6i.xlarge', 'r6i.2xlarge')), r.choice(X['ami'])
    (sub, vpc, az), sgs = r.choice(X['sub']), {'items': [{'groupId': sg, 'groupName': nm} for sg, nm in r.sample(X['sg'], 2)]}
    token, launch = guid(r), g.ep * 1000
    tags = [{'key': 'Name', 'value': r.choice(('orders-api', 'eks-prod-ng-1', 'bastion', 'batch-worker'))}, {'key': 'team', 'value': 'platform'}]
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
        ('Client.UnauthorizedOperation', 'You are not authorized to perform this operation. Encoded authorization failure message: ' + b64(r, 900)),
        ('Server.InsufficientInstanceCapacity', 'We currently do not have sufficient %s capacity in the Availability Zone you requested (%s).' % (itype, az))])


def e_terminate(g, a):
    r = g.r
    ids = r.sample(g.X['inst'], r.choice((1, 1, 2, 4)))
    resp = {'requestId': guid(r), 'instancesSet': {'items': [{'instanceId': i, 'currentState': {'code': 32, 'name': 'shutting-down'},
                                                              'previousState': {'code': 16, 'name': 'running'}} for i in ids]}}
    return g.rec(a or g.pick('w'), 'ec2', 'TerminateInstances', {'instancesSet': {'items': [{'instanceId': i} for i in ids]}}, resp, ro=False,
                 errs=[('Client.InvalidInstanceID.NotFound', "The instance ID '%s' does not exist" % ids[0])])


def e_authorize_sg(g, a):
    r, sg = g.r, g.r.choice(g.X['sg'])[0]
    port, cidr = r.choice((22, 443, 443, 3389, 5432, 8080)), r.choice(('0.0.0.0/0', '10.0.0.0/8', pub_ip(r) + '/32', '172.16.0.0/12'))
    req = {'groupId': sg, 'ipPermissions': {'items': [{'ipProtocol': 'tcp', 'fromPort': port, 'toPort': port, 'groups': {}, 'ipRanges': {
        'items': [{'cidrIp': cidr, 'description': r.choice(('temp access', 'office vpn', 'alb'))}]}, 'ipv6Ranges': {}, 'prefixListIds': {}}]}}
    resp = {'requestId': guid(r), '_return': True, 'securityGroupRuleSet': {'items': [{'groupOwnerId': g.A.id, 'groupId': sg, 'securityGroupRuleId':
            'sgr-0' + hexs(r, 16), 'isEgress': False, 'ipProtocol': 'tcp', 'fromPort': port, 'toPort': port, 'cidrIpv4': cidr}]}}
    return g.rec(a or g.pick('w'), 'ec2', 'AuthorizeSecurityGroupIngress', req, resp, ro=False, perr=0.05, errs=[
        ('Client.InvalidPermission.Duplicate', 'the specified rule "peer: %s, TCP, from port: %d, to port: %d, ALLOW" already exists' % (cidr, port, port))])


S3_QUERY = {'GetBucketAcl': ('acl', 5), 'GetBucketLocation': ('location', 4), 'GetBucketVersioning': ('versioning', 2),
            'GetBucketEncryption': ('encryption', 2), 'GetBucketPolicy': ('policy', 3), 'GetBucketPublicAccessBlock': ('publicAccessBlock', 1.5),
            'GetBucketTagging': ('tagging', 1.5)}
S3_ERRS = {'GetBucketPolicy': [('NoSuchBucketPolicy', 'The bucket policy does not exist')], 'GetBucketTagging': [('NoSuchTagSet', 'The TagSet does not exist')]}


def e_s3(g, a, name=None, b=None):
    """Bucket-level S3 management calls (inventory and security tools make these constantly), plus PutBucketPolicy."""
    r = g.r
    if name is None:
        name = r.choices(list(S3_QUERY), [w for _, w in S3_QUERY.values()])[0]
    b = b or r.choice(g.A.buckets)
    host = '%s.s3.%s.amazonaws.com' % (b, g.reg)
    extra = {'SignatureVersion': 'SigV4', 'CipherSuite': 'ECDHE-RSA-AES128-GCM-SHA256', 'bytesTransferredIn': 0, 'AuthenticationMethod': 'AuthHeader',
             'x-amz-id-2': b64(r, 56), 'bytesTransferredOut': r.randrange(2000)}
    if name == 'ListBuckets':
        req, host = {'Host': 's3.amazonaws.com'}, 's3.amazonaws.com'
    elif name == 'PutBucketPolicy':
        arns = ['arn:aws:s3:::' + b, 'arn:aws:s3:::%s/*' % b]
        stmts = [{'Sid': 'DenyInsecureTransport', 'Effect': 'Deny', 'Principal': '*', 'Action': 's3:*', 'Resource': arns,
                  'Condition': {'Bool': {'aws:SecureTransport': 'false'}}}]
        stmts += [{'Sid': 'CrossAccountRead' + ext[-4:], 'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::%s:root' % ext},
                   'Action': ['s3:GetObject', 's3:ListBucket'], 'Resource': arns} for ext in r.sample(g.A.externals, r.randrange(1, 3))]
        if r.random() < 0.1:
            stmts.append({'Sid': 'PublicRead', 'Effect': 'Allow', 'Principal': '*', 'Action': 's3:GetObject', 'Resource': arns[1]})
        req = {'bucketPolicy': {'Version': '2012-10-17', 'Statement': stmts}, 'bucketName': b, 'Host': host, 'policy': ''}
    else:
        req = {'bucketName': b, 'Host': host, S3_QUERY[name][0]: ''}
    errs = S3_ERRS.get(name)
    return g.rec(a or g.pick('w' if name[0] == 'P' else 'r'), 's3', name, req, None, ro=name[0] != 'P', extra=extra, host=host,
                 res=None if name == 'ListBuckets' else ('arn:aws:s3:::' + b, 'AWS::S3::Bucket'), rid=''.join(r.choices(UPAN, k=16)),
                 errs=errs, perr=0.2 if errs else 0.02)


def e_iam_write(g, a):
    """Rare, security-relevant IAM changes: the things detections look for."""
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
        req['passwordResetRequired'] = name == 'CreateLoginProfile' or r.random() < 0.5
        if name == 'CreateLoginProfile':
            resp = {'loginProfile': {'userName': u, 'createDate': iamdate(ep), 'passwordResetRequired': True}}
    return g.rec(a or g.pick('w'), 'iam', name, req, resp, ro=False, perr=0.08, errs=[
        ('NoSuchEntityException', 'The user with name {userName} cannot be found.'),
        ('AccessDenied', 'User: {arn} is not authorized to perform: iam:{event} on resource: user {userName} because no identity-based policy allows '
                         'the iam:{event} action')])


def e_console_login(g, a):
    r, A = g.r, g.A
    a = A.root if r.random() < 0.04 else a or r.choice(A.web)
    ident = dict(a.p['base'], accessKeyId='') if a.kind == 'root' else a.p['base'] if a.kind == 'user' else g.ident(a)
    fail = r.random() < 0.08
    if fail and r.random() < 0.5:   # CloudTrail hides user names that do not exist
        ident = {'type': 'IAMUser', 'principalId': '', 'accountId': A.id, 'accessKeyId': '', 'userName': 'HIDDEN_DUE_TO_SECURITY_REASONS'}
    extra = {'LoginTo': 'https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_' + hexs(r, 16),
             'MobileVersion': 'No', 'MFAUsed': 'Yes' if a.p.get('mfa') == 'true' else 'No'}
    if extra['MFAUsed'] == 'Yes':
        extra['MFAIdentifier'] = 'arn:aws:iam::%s:mfa/%s' % (A.id, a.p.get('user', 'root-account-mfa-device'))
    # A failed sign-in keeps its responseElements and has an errorMessage but no errorCode.
    d = g.rec(a, 'signin', 'ConsoleLogin', None, {'ConsoleLogin': 'Failure' if fail else 'Success'}, ro=False, extra=extra, et='AwsConsoleSignIn',
              rid=False, perr=0, ident=ident, err=(None, 'Failed authentication') if fail else None)
    d.pop('sessionCredentialFromConsole', None)
    d['tlsDetails'] = g.tls(1, 'signin.aws.amazon.com')
    return d


def e_identity_center(g, a):
    """SSO portal calls (IdentityCenterUser) and Identity Center sign-in challenges (AwsServiceEvent, Unknown identity)."""
    r, A = g.r, g.A
    a = a or r.choice(A.web)
    if r.random() < 0.65:
        return g.rec(a, 'sso', r.choice(('GetRoleCredentials', 'ListAccounts', 'ListAccountRoles')), {'roleName': r.choice((
            'AdministratorAccess', 'ReadOnlyAccess', 'DeveloperAccess')), 'accountId': A.id}, None, ident=r.choice(A.idc))
    ident = {'type': 'Unknown', 'principalId': A.id, 'arn': '', 'accountId': A.id, 'accessKeyId': '', 'userName': a.arn.rsplit('/', 1)[-1]}
    return g.rec(a, 'signin', 'CredentialChallenge', None, None, ro=False, et='AwsServiceEvent', rid=False, perr=0, ident=ident,
                 extra={'AuthWorkflowID': guid(r), 'CredentialType': 'PASSWORD'},
                 details={'CredentialChallenge': 'Success' if r.random() < 0.93 else 'Failure'})


def e_lambda_invoke(g, a):
    """A data event: managementEvent false, eventCategory Data."""
    r, A = g.r, g.A
    fn = 'arn:aws:lambda:%s:%s:function:%s' % (g.reg, A.id, r.choice(A.lambda_fns))
    return g.rec(a or (A.svc['events'] if r.random() < 0.4 else g.pick('r')), 'lambda', 'Invoke', {'functionName': fn, 'invocationType': r.choice((
        'RequestResponse', 'Event')), 'sourceArn': ''}, None, ro=False, extra={'functionVersion': fn + ':$LATEST'}, res=(fn, 'AWS::Lambda::Function'),
        mgmt=False, perr=0.01)


def e_logs(g, a):
    """Each Lambda cold start creates a log stream, called by the Lambda worker with the function's role."""
    r, A = g.r, g.A
    i = r.randrange(len(A.lambda_fns))
    req = {'logGroupName': '/aws/lambda/' + A.lambda_fns[i], 'logStreamName': time.strftime('%Y/%m/%d/[$LATEST]', time.gmtime(g.ep)) + hexs(r, 32)}
    return g.rec(a or A.lambda_workers[i], 'logs', 'CreateLogStream', req, perr=0.01,
                 errs=[('ResourceAlreadyExistsException', 'The specified log stream already exists')])


def e_config(g, a):
    r = g.r
    evals = [{'complianceResourceType': 'AWS::EC2::Instance', 'complianceResourceId': i, 'complianceType': r.choice(('COMPLIANT', 'NON_COMPLIANT')),
              'orderingTimestamp': iamdate(g.ep - 60)} for i in r.sample(g.X['inst'], r.randrange(1, 6))]
    return g.rec(a or g.A.config_slr, 'config', 'PutEvaluations', {'evaluations': evals, 'resultToken': b64(r, 600), 'testMode': False},
                 {'failedEvaluations': []}, ro=False, perr=0.01)


def e_rare(g, a):
    """Rare but detection-relevant: CloudTrail StopLogging, and AwsServiceEvents (Backup job results, KMS key rotation)."""
    r, A, x = g.r, g.A, g.r.random()
    if x < 0.03:
        trail = 'arn:aws:cloudtrail:us-east-1:%s:trail/org-trail' % A.id
        return g.rec(a or g.pick('w'), 'cloudtrail', 'StopLogging', {'name': trail}, None, ro=False, res=(trail, 'AWS::CloudTrail::Trail'), perr=0.3)
    if x < 0.2:
        k = 'arn:aws:kms:%s:%s:key/%s' % (g.reg, A.id, r.choice(g.X['key']))
        return g.rec(A.svc['internal'], 'kms', 'RotateKey', None, None, ro=False, et='AwsServiceEvent', rid=False, perr=0, extra={'keyId': k},
                     res=(k, 'AWS::KMS::Key'))
    details = {'backupJobId': guid(r).upper(), 'backupVaultName': 'Default', 'backupVaultArn': 'arn:aws:backup:%s:%s:backup-vault:Default' % (g.reg, A.id),
               'recoveryPointArn': 'arn:aws:ec2:%s::snapshot/snap-0%s' % (g.reg, hexs(r, 16)), 'resourceType': 'EBS',
               'resourceArn': 'arn:aws:ec2:%s:%s:volume/%s' % (g.reg, A.id, r.choice(g.X['vol'])), 'state': 'COMPLETED' if r.random() < 0.9 else 'FAILED',
               'creationDate': iamdate(g.ep - r.randrange(60, 1800)), 'completionDate': iamdate(g.ep), 'backupSizeInBytes': r.randrange(1 << 28, 1 << 36),
               'iamRoleArn': 'arn:aws:iam::%s:role/service-role/AWSBackupDefaultServiceRole' % A.id}
    return g.rec(A.svc['internal'], 'backup', 'BackupJobCompleted', None, None, ro=False, et='AwsServiceEvent', rid=False, perr=0, details=details)


# Plain calls whose responseElements CloudTrail leaves null: (weight, scope, service, eventName or choices, request builder, errors).
READS = [
    (4.5, 'r', 'sts', 'GetCallerIdentity', lambda g, r, X: None, None),
    (3.5, 'r', 'ec2', 'DescribeSecurityGroups', lambda g, r, X: {'securityGroupSet': {}, 'securityGroupIdSet': {'items': [
        {'groupId': sg} for sg, _ in r.sample(X['sg'], r.randrange(4))]}, 'filterSet': {'items': [{'name': 'vpc-id', 'valueSet': {
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
    (0.15, 'r', e_terminate), (0.12, 'r', e_authorize_sg), (9.0, 'r', e_s3), (0.06, 'r', lambda g, a: e_s3(g, a, 'PutBucketPolicy')),
    (3.0, 'r', e_lambda_invoke), (3.0, 'r', e_logs), (1.5, 'r', e_config), (0.13, 'r', e_rare),
    (1.5, 'g', lambda g, a: e_s3(g, a, 'ListBuckets')), (0.19, 'g', e_iam_write), (0.35, 'g', e_console_login), (0.1, 'g', e_assume_saml),
    (0.3, 'g', e_identity_center),
]
# What a runaway script or a scheduled inventory job hammers during a burst.
BURST = [e_describe_instances, e_s3] + [EVENTS[i][2] for i, x in enumerate(READS) if x[2] in ('ec2', 'ssm', 'dynamodb', 'rds', 'sts')]


def main():
    ap = argparse.ArgumentParser(description='Generate realistic, deterministic CloudTrail logs in the S3 delivery layout.')
    ap.add_argument('--events', type=int, required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--start', default='2024-01-15T00:00:00Z')
    ap.add_argument('--days', type=int, default=3)
    ap.add_argument('--accounts', type=int, default=3)
    ap.add_argument('--regions', type=int, default=4, help='how many of: ' + ' '.join(REGIONS))
    ap.add_argument('--jsonl', action='store_true', help='write uncompressed JSON-lines (.jsonl) files instead of .json.gz')
    args = ap.parse_args()
    files, bz, bj = Gen(args).run(args.events, args.out)
    print(json.dumps({'events': args.events, 'files': files, 'bytes_gz': bz, 'bytes_json': bj}))


if __name__ == '__main__':
    main()
