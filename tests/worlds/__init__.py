"""Synthetic help desks written apart from cxpulse's demo, to check the model's claims on data
the demo generator did not shape (issue 12 §2). `second.write_world` is the second one.
"""
