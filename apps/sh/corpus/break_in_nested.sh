for a in 1 2 3; do
    for b in 1 2 3; do
        if [ $b -eq 2 ]; then break; fi
        echo "$a.$b"
    done
done
for a in 1 2 3; do
    for b in 1 2 3; do
        [ $a -eq 2 ] && break 2
        echo "$a:$b"
    done
done
echo end
