for row in "apple 3" "kiwi 12" "banana 100"; do
    set -- $row
    printf '%-8s|%5d|\n' "$1" "$2"
done
printf '%s,' a b c
printf '\n'
printf '%03d %3s %-3s|\n' 7 x y
