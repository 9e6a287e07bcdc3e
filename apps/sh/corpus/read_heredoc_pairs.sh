while read key value; do
    case $key in
        name) name=$value;;
        size) size=$value;;
    esac
done <<EOF
name widget
size 12
color blue
EOF
echo "name=$name size=$size"
