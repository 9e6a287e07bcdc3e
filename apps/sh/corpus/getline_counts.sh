printf 'one\ntwo\nthree\nfour\n' > /tmp/gc.txt
grep -c o /tmp/gc.txt
head -n 2 /tmp/gc.txt
grep t /tmp/gc.txt | wc -l
cat /tmp/gc.txt | head -n 1
rm /tmp/gc.txt
