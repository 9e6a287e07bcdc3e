[ -d /tmp ] && echo dir
[ -f /tmp ] || echo not-file
[ abc = abc ] && echo str-eq
[ abc != abd ] && echo str-ne
[ -z "" ] && echo empty
[ -n x ] && echo nonempty
[ 3 -lt 5 ] && [ 5 -ge 5 ] && [ 2 -ne 3 ] && echo numbers
test 1 -gt 2 || echo test-false
[ ! -e /nonexistent ] && echo negation
echo > /tmp/t.f; [ -s /tmp/t.f ] && echo nonempty-file; rm /tmp/t.f
[ -e /tmp/t.f ] || echo removed
