usage() {
    cat <<EOF
usage: $1 [options]
  -h  help
EOF
}
usage tool
lines=$(cat <<EOF | wc -l
one
two
three
EOF
)
echo "lines: $lines"
