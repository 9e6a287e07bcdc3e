{ echo out; echo err 1>&2; } > /tmp/ro.out 2>&1
cat /tmp/ro.out
echo appended >> /tmp/ro.out
wc -l < /tmp/ro.out
echo overwritten > /tmp/ro.out
cat /tmp/ro.out
rm /tmp/ro.out
