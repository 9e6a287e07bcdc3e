echo to-stderr 1>&2 2>/dev/null
{ echo a; echo b >&2; } 2>/dev/null
echo c 2>/tmp/fd.err >/tmp/fd.out
cat /tmp/fd.out
wc -c < /tmp/fd.err
rm /tmp/fd.err /tmp/fd.out
