printf '10\n20\n30\n' | {
    sum=0
    while read n; do sum=$((sum + n)); done
    echo "sum $sum"
}
echo "outside: [${sum}]"
