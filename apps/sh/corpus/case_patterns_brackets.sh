for c in a Z 5 - _ ' '; do
    case "$c" in
        [a-z]) echo "[$c] lower";;
        [A-Z]) echo "[$c] upper";;
        [0-9]) echo "[$c] digit";;
        [-_]) echo "[$c] dash or underscore";;
        *) echo "[$c] other";;
    esac
done
