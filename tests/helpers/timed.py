# SPDX-License-Identifier: MIT
# timed.py URL [TIMEOUT [CAFILE]]: fetch URL, print "ok SECONDS BODY" or
# "fail SECONDS ERROR". Run inside the jail: the time is measured there, so
# jail's own startup does not count
import ssl, sys, time, urllib.request

url = sys.argv[1]
limit = float(sys.argv[2]) if len(sys.argv) > 2 else 20
ctx = ssl.create_default_context(cafile=sys.argv[3]) if len(sys.argv) > 3 else None
t = time.monotonic()
try:
    body = urllib.request.urlopen(url, timeout=limit, context=ctx).read()
    print("ok %.3f %s" % (time.monotonic() - t, body.decode().strip()))
except Exception as e:
    print("fail %.3f %s" % (time.monotonic() - t, e))
