is_prime() {
    n=$1
    [ $n -lt 2 ] && return 1
    d=2
    while [ $((d * d)) -le $n ]; do
        [ $((n % d)) -eq 0 ] && return 1
        d=$((d + 1))
    done
    return 0
}
out=""
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    is_prime $n && out="$out $n"
done
echo "primes:$out"
