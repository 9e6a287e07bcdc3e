total=0
while read item price; do
    total=$((total + price))
    printf '%-6s %3d\n' "$item" "$price"
done <<EOF
tea 3
cake 12
jam 5
EOF
echo "total $total"
