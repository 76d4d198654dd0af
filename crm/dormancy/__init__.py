"""The dormancy engine: rules, reasons, priority, prediction and the nightly pipeline."""
