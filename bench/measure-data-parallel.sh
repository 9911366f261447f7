#!/usr/bin/env bash
# 1 process x 2 threads vs 2 MPI ranks x 1 thread, same global batch; tokens/s as the run reports it.
set -u
cd "$(dirname "$0")/.."
CLI=src/SeqCore.Cli/bin/Release/net10.0/SeqCore.Cli.dll
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
LSTM="--corpus data/kjv.txt --tokenizer char --arch lstm --embedding 64 --hidden 256 --batch 32 --bptt 64 --lr 6e-3 --clip 1"
TRF="--corpus data/kjv.txt --tokenizer char --arch transformer --embedding 64 --heads 4 --layers 2 --context 64 --batch 32 --lr 3e-3 --clip 1"
tps() { grep '"event":"result"' | sed -E 's/.*"tokens_per_second":([0-9.]+).*/\1/' | cut -d. -f1; }
for round in 1 2 3; do
  for name in LSTM TRF; do
    args=${!name}
    one=$(dotnet $CLI train $args --steps 200 --eval-every 0 --threads 2 --out ${TMPDIR:-/tmp}/seqcore-dp-one.safetensors --force --json 2>/dev/null | tps)
    two=$(mpirun -np 2 --oversubscribe dotnet $CLI train $args --steps 200 --eval-every 0 --threads 1 --out ${TMPDIR:-/tmp}/seqcore-dp-two.safetensors --force --json 2>/dev/null | tps)
    echo "round $round $name: 1x2 threads $one tokens/s, 2 ranks x 1 thread $two tokens/s"
  done
done
