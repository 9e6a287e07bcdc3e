n=0
while :; do
    n=$((n + 1))
    if [ $n -eq 3 ]; then continue; fi
    if [ $n -gt 5 ]; then break; fi
    echo "n=$n"
done
echo "final $n"
