"""Screens of list maintenance: the merge wizard and its undo, the worklist, retirement, rules, deletion requests.
Thin: the permission check, one service or selector, render."""
