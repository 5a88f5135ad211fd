#!/usr/bin/python3
"""Runs a QuantScope-exported dynamic-quantization script on the LSTM language model fixture.

    /usr/bin/python3 check_dynamic_export.py SCRIPT.py LSTM_MODEL.pt TOKENS.pt EXPECTED.json

Fills the script's build_model() with the fixture's eager class (make_lstm_lm.py), its weights
from the TorchScript file, runs quantize() — torch.ao.quantization.quantize_dynamic with the
script's qconfig_spec — and evaluates the result on the windows after the first 512, in batches
of 32, as make_lstm_lm.py did. The perplexity must equal PyTorch's own quantize_dynamic
perplexity (EXPECTED.json's dynamic_int8_perplexity, 1e-6 relative), and the LSTM and the head
must be PyTorch's dynamic quantized modules. Prints one line per check; exit code 1 on a mismatch.
"""
import importlib.util
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class LstmLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(128, 64)
        self.rnn = nn.LSTM(64, 128, num_layers=2, batch_first=True)
        self.head = nn.Linear(128, 128)

    def forward(self, tokens):
        y, _ = self.rnn(self.embed(tokens))
        return self.head(y)


def main():
    script, model_path, tokens_path, expected_path = sys.argv[1:5]
    spec = importlib.util.spec_from_file_location("exported", script)
    exported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(exported)

    def build_model():
        model = LstmLM()
        model.load_state_dict(torch.jit.load(model_path).state_dict())
        return model

    exported.build_model = build_model
    quantized = exported.quantize(exported.build_model())
    failures = 0
    for name, kind in (("rnn", torch.ao.nn.quantized.dynamic.LSTM), ("head", torch.ao.nn.quantized.dynamic.Linear)):
        module = getattr(quantized, name)
        ok = isinstance(module, kind)
        failures += not ok
        print(f"{'ok' if ok else 'MISMATCH'} {name} is {type(module).__name__}")
    windows = torch.load(tokens_path)["inputs"][512:]
    with torch.no_grad():
        total, count = 0.0, 0
        for i in range(0, windows.size(0), 32):
            w = windows[i:i + 32]
            logits = quantized(w)[:, :-1]
            total += F.cross_entropy(logits.reshape(-1, 128), w[:, 1:].reshape(-1), reduction="sum").item()
            count += w[:, 1:].numel()
    got = math.exp(total / count)
    with open(expected_path) as f:
        want = json.load(f)["dynamic_int8_perplexity"]
    ok = abs(got - want) <= 1e-6 * want
    failures += not ok
    print(f"{'ok' if ok else 'MISMATCH'} perplexity {got:.6f} (quantize_dynamic: {want:.6f})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
