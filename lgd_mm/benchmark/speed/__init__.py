"""Speed benchmark of LGD pre-training (tools/benchmark_speed.py).

Sections: the train-step breakdown of lgd_mm against a plain-PyTorch
reference (:mod:`.train_step`, :mod:`.plain`), the LGKA update against the
per-class loop (:mod:`.lgka`), dataloader images/s per worker
(:mod:`.data`) and checkpoint sizes. Results are plain dicts, written as
JSON and as markdown tables (:mod:`.report`).
"""
