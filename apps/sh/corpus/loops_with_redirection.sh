for i in 1 2 3; do echo "line $i"; done > /tmp/lr.out
cat /tmp/lr.out
while read l; do echo "[$l]"; done < /tmp/lr.out | head -n 2
i=0; while [ $i -lt 2 ]; do echo "w$i"; i=$((i+1)); done >> /tmp/lr.out
wc -l < /tmp/lr.out
rm /tmp/lr.out
