for r in 1 2 3; do
    row=""
    for c in 1 2 3; do row="$row $((r * c))"; done
    echo "row $r:$row"
done
