mkdir -p /tmp/cdp/a/b
cd /tmp/cdp/a/b && pwd
cd .. && pwd
cd /tmp/cdp && ls
cd /tmp
rm -r /tmp/cdp
[ -d /tmp/cdp ] || echo "removed"
