// Where a console opens: a known service typed after a role (`prod s3`), a region picked in
// the row, a role's named link, or the page of a pasted console URL. Pure. Whatever this
// makes goes to the host as `destination` / `region`, which it checks as any other
// (docs/PROTOCOL.md, console.open): nothing here is trusted to be safe by itself.

// Service names (and a few common aliases) → the console path of the service's home page.
// A path is joined by the host to the role's regional console.
export const SERVICES = Object.freeze({
  s3: { name: 'S3', path: '/s3/home' },
  ec2: { name: 'EC2', path: '/ec2/home' },
  iam: { name: 'IAM', path: '/iam/home' },
  lambda: { name: 'Lambda', path: '/lambda/home' },
  cloudwatch: { name: 'CloudWatch', path: '/cloudwatch/home' },
  logs: { name: 'CloudWatch Logs', path: '/cloudwatch/home#logsV2:log-groups' },
  rds: { name: 'RDS', path: '/rds/home' },
  dynamodb: { name: 'DynamoDB', path: '/dynamodbv2/home' },
  cloudformation: { name: 'CloudFormation', path: '/cloudformation/home' },
  cloudtrail: { name: 'CloudTrail', path: '/cloudtrail/home' },
  ecs: { name: 'ECS', path: '/ecs/home' },
  eks: { name: 'EKS', path: '/eks/home' },
  ecr: { name: 'ECR', path: '/ecr/home' },
  vpc: { name: 'VPC', path: '/vpc/home' },
  route53: { name: 'Route 53', path: '/route53/v2/home' },
  sqs: { name: 'SQS', path: '/sqs/v3/home' },
  sns: { name: 'SNS', path: '/sns/v3/home' },
  kms: { name: 'KMS', path: '/kms/home' },
  secretsmanager: { name: 'Secrets Manager', path: '/secretsmanager/home' },
  ssm: { name: 'Systems Manager', path: '/systems-manager/home' },
  apigateway: { name: 'API Gateway', path: '/apigateway/home' },
  cloudfront: { name: 'CloudFront', path: '/cloudfront/v4/home' },
  athena: { name: 'Athena', path: '/athena/home' },
  glue: { name: 'Glue', path: '/glue/home' },
  billing: { name: 'Billing', path: '/billing/home' },
  organizations: { name: 'Organizations', path: '/organizations/v2/home' },
  support: { name: 'Support', path: '/support/home' },
});
export const SERVICE_ALIASES = Object.freeze({ cw: 'cloudwatch', ddb: 'dynamodb', dynamo: 'dynamodb', cfn: 'cloudformation', r53: 'route53', secrets: 'secretsmanager', lambdas: 'lambda' });

// The service a word names (`S3`, `ddb`), or null.
export function serviceOf(word) {
  const w = String(word ?? '').toLowerCase();
  const key = Object.hasOwn(SERVICES, w) ? w : SERVICE_ALIASES[w];
  return key ? { key, ...SERVICES[key] } : null;
}

// `prod s3`: a role query followed by a known service. Returns { rest, service } when the
// query's last word is a service and something comes before it, else null.
export function splitService(query) {
  const words = String(query ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length < 2) return null;
  const service = serviceOf(words.at(-1));
  return service ? { rest: words.slice(0, -1).join(' '), service } : null;
}

// The regions of each partition a role can be in (the host accepts these; docs/PROTOCOL.md).
export const PARTITION_REGIONS = Object.freeze({
  aws: [
    'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'ca-west-1', 'mx-central-1', 'sa-east-1',
    'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2',
    'af-south-1', 'il-central-1', 'me-south-1', 'me-central-1',
    'ap-south-1', 'ap-south-2', 'ap-east-1', 'ap-east-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4',
    'ap-southeast-5', 'ap-southeast-7', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  ],
  'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
});

export function regionsOf(partition) {
  return PARTITION_REGIONS[partition] ?? PARTITION_REGIONS.aws;
}

const ARN = /^arn:(aws|aws-us-gov|aws-cn):(iam|sts)::(\d{12}):(role|assumed-role)\/(.+)$/i;

// A role ARN (`arn:aws:iam::123456789012:role/path/Admin`) or an assumed-role ARN (the console
// shows it: `arn:aws:sts::123456789012:assumed-role/Admin/session`) → { account, roleName }.
// `roleName` is what follows `role/` (path included) or the assumed role's name.
export function parseArn(text) {
  const m = ARN.exec(String(text ?? '').trim());
  if (!m) return null;
  const [, , , account, kind, rest] = m;
  const roleName = kind.toLowerCase() === 'role' ? rest : rest.split('/')[0];
  return roleName ? { account, roleName } : null;
}

// Whether a role is the one an ARN names: same account and role name, with or without the
// role's path, case-insensitively (IAM role names are unique regardless of case).
export function roleMatchesArn(role, arn) {
  if (role.account_id !== arn.account) return false;
  const want = arn.roleName.toLowerCase();
  const have = String(role.role_name ?? '').toLowerCase();
  const last = (s) => s.split('/').filter(Boolean).at(-1) ?? '';
  return have === want || last(have) === last(want);
}

const CONSOLE_DOMAINS = ['console.aws.amazon.com', 'console.amazonaws-us-gov.com', 'console.amazonaws.cn'];

// A console URL of AWS multi-session (`https://<account>-<session>.<region>.console.aws.amazon
// .com/s3/buckets?region=…`) → { account, region, destination } (the page, as a path); a
// console URL without an account (`https://eu-west-1.console.aws.amazon.com/…`) → { account:
// null, region, destination }. Anything else → null.
export function parseConsoleUrl(text) {
  const t = String(text ?? '').trim();
  if (!/^https:/i.test(t)) return null; // most queries: no URL parser and no exception per key
  let u;
  try {
    u = new URL(t);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.port) return null;
  const host = u.hostname.toLowerCase();
  const domain = CONSOLE_DOMAINS.find((d) => host === d || host.endsWith(`.${d}`));
  if (!domain) return null;
  const labels = host === domain ? [] : host.slice(0, -domain.length - 1).split('.');
  let account = null;
  let region = u.searchParams.get('region');
  for (const label of labels) {
    const session = /^(\d{12})-[a-z0-9]+$/.exec(label);
    if (session) account = session[1];
    else if (/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(label)) region = label;
  }
  const destination = `${u.pathname}${u.search}${u.hash}`;
  return { account, region: region || null, destination: destination === '/' ? null : destination };
}

// A landing is where a click opens, in names (so it can cross runtime messaging and wait in
// an MFA prompt): { service: 's3' }, { link: 'Buckets' } (one of the role's links), { region },
// { destination, region } (a pasted console URL's page), or null (the role's default page).
// Its console.open parameters, for `role`: { destination?, region? }. An unknown service or
// link is an error, not a silent default page.
export function openParams(landing, role) {
  const out = {};
  if (!landing) return out;
  if (landing.service !== undefined) {
    const service = serviceOf(landing.service);
    if (!service) throw new Error(`no service '${landing.service}'`);
    out.destination = service.path;
  }
  if (landing.link !== undefined) {
    const link = (role?.links ?? []).find((l) => l?.name === landing.link);
    if (!link) throw new Error(`no link '${landing.link}' on this role`);
    out.destination = link.destination;
  }
  if (typeof landing.destination === 'string' && landing.destination) out.destination = landing.destination;
  if (typeof landing.region === 'string' && landing.region) out.region = landing.region;
  return out;
}

// What a landing is called on the row and in messages: `S3`, `Buckets`, `us-west-2`.
export function landingName(landing) {
  if (!landing) return null;
  if (landing.service !== undefined) return serviceOf(landing.service)?.name ?? landing.service;
  if (landing.link !== undefined) return landing.link;
  if (landing.destination) return landing.region ? `the pasted page (${landing.region})` : 'the pasted page';
  return landing.region ?? null;
}
