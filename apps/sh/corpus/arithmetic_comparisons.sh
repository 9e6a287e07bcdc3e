a=7 b=3
echo $((a > b)) $((a < b)) $((a >= 7)) $((b <= 2)) $((a == 7)) $((a != 7))
echo $((a && b)) $((a && 0)) $((0 || b)) $((!a)) $((~a & 15))
echo $((a > b ? a : b)) $(( (a - b) * (a + b) ))
max=0
for n in 4 9 2 7; do [ $n -gt $max ] && max=$n; done
echo "max $max"
