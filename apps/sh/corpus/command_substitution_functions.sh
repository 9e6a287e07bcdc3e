double() { echo $(( $1 * 2 )); }
echo "double 21 = $(double 21)"
greet() { echo "hello, $1"; }
message=$(greet "$(echo world)")
echo "$message"
list_items() { for i in "$@"; do echo "- $i"; done; }
items=$(list_items a "b c")
echo "$items"
