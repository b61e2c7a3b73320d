"""Policy tests: what each rule must and must not catch, next to the rule, run through the real gate."""
