file=archive.tar.gz
echo "base: ${file%%.*} ext: ${file#*.} last: ${file##*.}"
dir=/a/b/c/
echo "${dir%/}"
s="  padded  "
echo "[${s}]"
long=abcdefghij
echo "length ${#long}"
echo "${long#abc}" "${long%hij}"
echo "${long#xyz}"
