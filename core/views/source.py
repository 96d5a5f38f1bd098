"""A page's "Show the code": functions' source read from their file, so showing code never imports (and runs)
a module that loads MXNet on a script thread."""
import ast
import functools
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@functools.lru_cache(maxsize=32)
def source(path, *names):
    """The source of these top-level functions of the project file `path` (relative to the project), in order."""
    with open(os.path.join(ROOT, path)) as f:
        text = f.read()
    found = {node.name: ast.get_source_segment(text, node) for node in ast.parse(text).body
             if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    return "\n\n\n".join(found[name] for name in names)
