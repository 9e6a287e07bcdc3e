sum=0; i=1
while [ $i -le 100 ]; do sum=$((sum + i)); i=$((i + 1)); done
echo "sum 1..100 = $sum"
echo "mod: $((17 % 5)) neg: $((-17 / 5)) $((-17 % 5))"
x=5; x=$((x * x)); echo "x=$x"
echo $(( (3 + 4) * (5 - 2) / 3 ))
