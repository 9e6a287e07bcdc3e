for n in 1 22 333; do printf '%5d|%-5d|%05d\n' $n $n $n; done
printf '%x %X %o\n' 4095 4095 511
printf '%s has %d chars\n' hello 5
printf '%.3s\n' truncated
