for i in 1 2 3 4 5; do
    [ $i -eq 2 ] && continue
    [ $i -eq 4 ] && break
    echo $i
done
for a in x y; do
    for b in 1 2 3; do
        [ $b -eq 2 ] && continue 2
        echo $a$b
    done
done
i=0
while true; do i=$((i+1)); [ $i -ge 3 ] && break; done
echo i=$i
