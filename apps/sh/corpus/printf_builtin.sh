printf '%s\n' hello
printf '%s=%d\n' a 1 b 2 c 3
printf '[%5s] [%-5s] [%05d] [%x] [%o]\n' ab cd 42 255 8
printf 'no newline'
printf '\n'
printf '%c%c%c\n' abc def ghi
printf 'percent: 100%%\n'
printf '%b\n' 'tab:\there'
printf '%s and %s\n' only
