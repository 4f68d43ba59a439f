#!/usr/bin/env bash
# clips.sh: make audio/clips, the default clip bank of the announcer: one WAV
# per word that audio.Phrase can produce (the parts of every number 0-9999,
# every letter's Polish name, "numer", "stanowisko"), spoken by espeak-ng's
# Polish voice and turned by sox into mono 22050 Hz 16-bit PCM with the
# leading and trailing silence trimmed and the level normalised.
#
# Idempotent: it rewrites every clip from scratch (sox runs in repeatable mode
# without dither, so the same tools give the same bytes) and removes clips no
# longer in the list. The file name is the clip name; the spoken text is
# the Polish word with its diacritics. Recorded clips with the same names,
# in a folder given to the announcer, replace these.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

for tool in espeak-ng sox; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "clips.sh needs $tool: install it (Debian: apt-get install espeak-ng sox)"
done
espeak-ng --voices=pl | grep -q ' pl ' ||
	die "clips.sh needs espeak-ng's Polish voice (Debian: apt-get install espeak-ng-data)"

# Speed 140 words/min and pitch 45: a little slower and lower than the
# default, clearer through a hall's ceiling speakers.
speed=140
pitch=45

# name:spoken text. Keep in step with audio/words.go.
words=(
	zero:zero jeden:jeden dwa:dwa trzy:trzy cztery:cztery "piec:pięć" "szesc:sześć"
	siedem:siedem osiem:osiem "dziewiec:dziewięć" "dziesiec:dziesięć"
	"jedenascie:jedenaście" "dwanascie:dwanaście" "trzynascie:trzynaście"
	"czternascie:czternaście" "pietnascie:piętnaście" "szesnascie:szesnaście"
	"siedemnascie:siedemnaście" "osiemnascie:osiemnaście" "dziewietnascie:dziewiętnaście"
	"dwadziescia:dwadzieścia" "trzydziesci:trzydzieści" "czterdziesci:czterdzieści"
	"piecdziesiat:pięćdziesiąt" "szescdziesiat:sześćdziesiąt" "siedemdziesiat:siedemdziesiąt"
	"osiemdziesiat:osiemdziesiąt" "dziewiecdziesiat:dziewięćdziesiąt"
	sto:sto "dwiescie:dwieście" trzysta:trzysta czterysta:czterysta "piecset:pięćset"
	"szescset:sześćset" siedemset:siedemset osiemset:osiemset "dziewiecset:dziewięćset"
	"tysiac:tysiąc" "tysiace:tysiące" "tysiecy:tysięcy"
	a:a be:be ce:ce de:de e:e ef:ef gie:gie ha:ha i:i jot:jot ka:ka el:el em:em
	en:en o:o pe:pe ku:ku er:er es:es te:te u:u fau:fau wu:wu iks:iks igrek:igrek zet:zet
	numer:numer stanowisko:stanowisko
)

out=audio/clips
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

declare -A keep=()
for w in "${words[@]}"; do
	name=${w%%:*}
	text=${w#*:}
	keep[$name.wav]=1
	espeak-ng -v pl -s "$speed" -p "$pitch" -w "$tmp/raw.wav" -- "$text"
	# silence 1 0.01 -45d: drop the start until 10 ms above -45 dB; reverse,
	# the same for the end, reverse back. norm -1: peak at -1 dBFS.
	sox -R -D "$tmp/raw.wav" -r 22050 -c 1 -b 16 -e signed-integer "$tmp/$name.wav" \
		silence 1 0.01 -45d reverse silence 1 0.01 -45d reverse norm -1
	mv "$tmp/$name.wav" "$out/$name.wav"
done

for f in "$out"/*.wav; do
	[ -e "$f" ] || continue
	[ -n "${keep[$(basename "$f")]:-}" ] || { rm -f "$f"; say "removed stale clip $f"; }
done

n=$(ls "$out"/*.wav | wc -l)
bytes=$(cat "$out"/*.wav | wc -c)
say "clip bank: $n clips, $bytes bytes in $out"
