#!/usr/bin/env python3
"""The peer a user would script instead of rolecall: the Python sample of the IAM User Guide,
"Enable custom identity broker access to the AWS console" (boto3 AssumeRole, then one
getSigninToken call, then the Action=login URL), step for step.

Differences from the page, all needed to run it here and none making it slower:
* the role ARN comes from argv and the federation endpoint from $FEDERATION_URL (the sample
  hard-codes https://signin.aws.amazon.com/federation); boto3 itself reads
  $AWS_ENDPOINT_URL_STS and the gateway keys from the environment, as the sample says;
* the getSigninToken call uses urllib from the standard library where the page imports
  `requests`: one import fewer, so the peer is measured at its fastest;
* the destination is $CONSOLE_URL (the sample's is https://console.aws.amazon.com/).

Usage: federation_sample.py ROLE_ARN. Prints the sign-in URL.
"""

import json
import os
import sys
import urllib.parse
import urllib.request

import boto3

FEDERATION_URL = os.environ.get("FEDERATION_URL", "https://signin.aws.amazon.com/federation")
CONSOLE_URL = os.environ.get("CONSOLE_URL", "https://console.aws.amazon.com/")

# Step 2: with the IAM user's access keys (found by boto3 in the environment), call
# AssumeRole to get temporary credentials for the role.
sts_connection = boto3.client("sts")
assumed_role_object = sts_connection.assume_role(
    RoleArn=sys.argv[1],
    RoleSessionName="AssumeRoleSession",
)

# Step 3: format the temporary credentials as JSON.
url_credentials = {}
url_credentials["sessionId"] = assumed_role_object.get("Credentials").get("AccessKeyId")
url_credentials["sessionKey"] = assumed_role_object.get("Credentials").get("SecretAccessKey")
url_credentials["sessionToken"] = assumed_role_object.get("Credentials").get("SessionToken")
json_string_with_temp_credentials = json.dumps(url_credentials)

# Step 4: get a sign-in token from the federation endpoint, for a 12-hour console.
request_parameters = "?Action=getSigninToken"
request_parameters += "&SessionDuration=43200"
request_parameters += "&Session=" + urllib.parse.quote_plus(json_string_with_temp_credentials)
request_url = FEDERATION_URL + request_parameters
with urllib.request.urlopen(request_url) as r:
    signin_token = json.loads(r.read())

# Step 5: the URL that signs the browser in (valid for 15 minutes).
request_parameters = "?Action=login"
request_parameters += "&Issuer=Example.org"
request_parameters += "&Destination=" + urllib.parse.quote_plus(CONSOLE_URL)
request_parameters += "&SigninToken=" + signin_token["SigninToken"]
request_url = FEDERATION_URL + request_parameters

print(request_url)
