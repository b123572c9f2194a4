#!/usr/bin/env bash
# Builds the speech and noise fixtures in tests/fixtures/ from espeak-ng and sox.
#
# Deterministic: espeak-ng output is fixed for a given version and text, and every sox call that
# draws random numbers (noise synthesis, dither) runs with -R (repeatable seed). Run once from the
# repository root; the outputs are committed, so tests never need espeak-ng or sox.
#
#   scripts/make_fixtures.sh            # writes tests/fixtures/*
#
# Outputs (all mono PCM16):
#   speech_24k.wav   9.9 s: 0.6 s silence, three utterances separated by 1.2 s, 1.0 s silence,
#                    with a −70 dBFS white noise floor so no stretch is digital zero
#   speech_24k.json  ground truth: each utterance's startMs/endMs and the total durationMs,
#                    computed from the exact sample counts concatenated
#   speech_44k.wav   the same audio at 44.1 kHz (fake microphone for Chromium)
#   speech_48k.wav   the same audio at 48 kHz
#   pause_24k.wav    one sentence with a 0.5 s pause in the middle (same layout rules)
#   pause_24k.json   ground truth of its two halves
#   noise_24k.wav    5 s of pink noise at −35 dBFS RMS plus a 50 + 150 Hz hum peaking at
#                    −45 dBFS; no speech
#
# Requires: espeak-ng (1.51 was used), sox (14.4.2 was used), awk.
set -euo pipefail

RATE=24000
VOICE="en-us"
WPM=160
OUT="tests/fixtures"
# Silence layout, in samples at 24 kHz.
LEAD=$((RATE * 6 / 10))   # 0.6 s before the first utterance
GAP=$((RATE * 12 / 10))   # 1.2 s between utterances
TAIL=$((RATE * 10 / 10))  # 1.0 s after the last one
PAUSE=$((RATE * 5 / 10))  # 0.5 s mid-sentence pause in pause_24k.wav
# Trim threshold: espeak-ng pads each utterance with digital silence; anything under −60 dBFS
# at either end is cut, so ground truth marks the first and last audible sample.
TRIM="silence 1 0.001 -60d reverse silence 1 0.001 -60d reverse"

for tool in espeak-ng sox soxi awk; do
  command -v "$tool" >/dev/null || {
    echo "Cannot build fixtures: $tool is missing; install it with apt-get install -y espeak-ng sox" >&2
    exit 1
  }
done

mkdir -p "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# say NAME TEXT: writes $WORK/NAME.wav, 24 kHz mono PCM16, leading/trailing silence trimmed.
say() {
  espeak-ng -v "$VOICE" -s "$WPM" -w "$WORK/$1.raw.wav" "$2"
  # shellcheck disable=SC2086
  sox -R -D "$WORK/$1.raw.wav" -r "$RATE" -c 1 -b 16 "$WORK/$1.wav" rate -v $TRIM
}

# silence NAME SAMPLES: writes $WORK/NAME.wav holding SAMPLES zero samples.
silence() {
  sox -R -D -r "$RATE" -c 1 -n -b 16 "$WORK/$1.wav" trim 0 "$2s"
}

samples() {
  soxi -s "$1"
}

# build NAME PART...: concatenates the parts (utterance names or "silence:SAMPLES"), adds the
# noise floor, writes $OUT/NAME_24k.wav and $OUT/NAME_24k.json.
build() {
  local name="$1"
  shift
  local files=() offset=0 json="" index=0 part count
  for part in "$@"; do
    if [[ "$part" == silence:* ]]; then
      count="${part#silence:}"
      silence "sil_${index}" "$count"
      files+=("$WORK/sil_${index}.wav")
    else
      count="$(samples "$WORK/$part.wav")"
      files+=("$WORK/$part.wav")
      json+="$(awk -v s="$offset" -v n="$count" -v r="$RATE" -v t="$part" 'BEGIN {
        printf "    { \"text\": \"%s\", \"startSample\": %d, \"endSample\": %d, \"startMs\": %.3f, \"endMs\": %.3f },\n",
          t, s, s + n, s * 1000 / r, (s + n) * 1000 / r }')"$'\n'
    fi
    offset=$((offset + count))
    index=$((index + 1))
  done
  sox -R -D "${files[@]}" "$WORK/$name.clean.wav"
  # White noise floor at −70 dBFS RMS: uniform noise at full scale is −4.77 dBFS RMS.
  sox -R -D -r "$RATE" -c 1 -n -b 16 "$WORK/$name.floor.wav" \
    synth "${offset}s" whitenoise gain -65.23
  sox -R -D -m -v 1 "$WORK/$name.clean.wav" -v 1 "$WORK/$name.floor.wav" -b 16 "$OUT/${name}_24k.wav"
  {
    echo "{"
    echo "  \"sampleRate\": $RATE,"
    echo "  \"samples\": $offset,"
    awk -v n="$offset" -v r="$RATE" 'BEGIN { printf "  \"durationMs\": %.3f,\n", n * 1000 / r }'
    echo "  \"utterances\": ["
    printf "%s" "$json" | sed '$ s/},$/}/'
    echo "  ]"
    echo "}"
  } >"$OUT/${name}_24k.json"
}

say "hello" "Hello coach, can you hear me?"
say "practice" "I want to practice my presentation."
say "thanks" "Thank you, that was helpful."
say "opening" "So I think"
say "closing" "we should begin with a story."

build speech "silence:$LEAD" hello "silence:$GAP" practice "silence:$GAP" thanks "silence:$TAIL"
build pause "silence:$LEAD" opening "silence:$PAUSE" closing "silence:$TAIL"

for rate in 44100 48000; do
  sox -R -D "$OUT/speech_24k.wav" -r "$rate" -b 16 "$OUT/speech_$((rate / 1000))k.wav" rate -v
done

# Noise: pink noise normalized to −35 dBFS RMS, plus a 50 Hz hum with its third harmonic.
sox -R -D -r "$RATE" -c 1 -n -b 16 "$WORK/pink.wav" synth 5 pinknoise gain -n -20
pink_rms="$(sox "$WORK/pink.wav" -n stats 2>&1 | awk '/^RMS lev dB/ { print $4 }')"
sox -R -D "$WORK/pink.wav" "$WORK/pink35.wav" gain "$(awk -v r="$pink_rms" 'BEGIN { print -35 - r }')"
sox -R -D -r "$RATE" -c 1 -n -b 16 "$WORK/hum.wav" synth 5 sine 50 synth 5 sine mix 150 gain -n -45
sox -R -D -m -v 1 "$WORK/pink35.wav" -v 1 "$WORK/hum.wav" -b 16 "$OUT/noise_24k.wav"

for f in "$OUT"/*.wav; do
  printf "%-32s %8d bytes  %s s\n" "$f" "$(stat -c %s "$f")" "$(soxi -D "$f")"
done
