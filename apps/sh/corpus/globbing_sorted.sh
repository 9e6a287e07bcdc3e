mkdir /tmp/gs
for f in zeta alpha mid beta; do echo > /tmp/gs/$f.dat; done
echo > /tmp/gs/readme
for f in /tmp/gs/*.dat; do echo "${f##*/}"; done
set -- /tmp/gs/*
echo "$# entries"
echo /tmp/gs/[ab]*
rm -r /tmp/gs
