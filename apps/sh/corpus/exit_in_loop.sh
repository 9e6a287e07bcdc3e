for i in 1 2 3; do
    echo "step $i"
    if [ $i -eq 2 ]; then exit 9; fi
done
echo "not reached"
