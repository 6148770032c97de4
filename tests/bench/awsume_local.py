#!/usr/bin/env python3
"""Runs awsume (`awsumepy PROFILE -cl`: assume the profile's role, print a console sign-in
URL through the awsume-console-plugin) against the loopback fakes.

awsume's STS calls go through boto3, which honours $AWS_ENDPOINT_URL_STS, so they reach the
local STS unchanged. The console plugin, however, hard-codes
`https://signin.<partition domain>/federation` and has no setting for it, so this launcher
swaps the plugin's URL opener for one that sends the same request to $FEDERATION_URL. The
plugin also sends the `Session` parameter as a Python dict repr (it url-encodes a dict)
instead of the documented JSON; the strict local fake refuses that, so the opener re-encodes
it as JSON. Everything else is awsume's own code path, in a fresh process, as a user runs it.
"""

import ast
import json
import os
import sys
import urllib.parse

import console  # the awsume-console-plugin module (top-level name "console")
from awsume.awsumepy.main import main

FEDERATION_URL = os.environ["FEDERATION_URL"]
_urlopen = console.URLOPEN


def local_urlopen(url, *args, **kwargs):
    _, _, query = url.partition("?")
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    pairs = [(k, json.dumps(ast.literal_eval(v)) if k == "Session" else v) for k, v in pairs]
    return _urlopen(FEDERATION_URL + "?" + urllib.parse.urlencode(pairs), *args, **kwargs)


console.URLOPEN = local_urlopen

if __name__ == "__main__":
    sys.argv[0] = "awsumepy"
    sys.exit(main())
