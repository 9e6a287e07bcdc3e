x=global
setx() { x=changed-by-function; }
setx
echo "$x"
y=outer
(y=subshell)
echo "$y"
echo z | { read z; }
echo "z after pipeline: [${z}]"
