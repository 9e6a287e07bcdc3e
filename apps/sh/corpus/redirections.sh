echo first > /tmp/r.out
echo second >> /tmp/r.out
cat < /tmp/r.out
wc -l < /tmp/r.out
cat /nonexistent 2>/dev/null || echo "error hidden"
cat /nonexistent > /tmp/r.err 2>&1
grep -c nonexistent /tmp/r.err
rm /tmp/r.out /tmp/r.err
