"""A small, conservative JavaScript checker for SWITCH/DECISION script expressions.

Conductor compiles these on register and refuses them with "Expression is not
well formatted". This checker finds the mistakes people make: unbalanced
brackets, unterminated strings or comments, an operator with nothing after it, a
number glued to a name (``0abc``), two values with no operator between them. It
also finds names that are defined nowhere: Conductor 3.15 *evaluates* the
expression with only ``$`` (the task's inputs) bound, so such a name throws a
ReferenceError and the definition is refused (conductor-oss 3.2x and later only
check the syntax). It is a checker, not a parser: what it cannot judge, it accepts.
"""

from __future__ import annotations

import re

KEYWORDS = frozenset(
    "break case catch class const continue debugger default delete do else export extends "
    "finally for function if import in instanceof new return super switch this throw try "
    "typeof var void while with yield let static true false null of get set async await "
    "undefined NaN Infinity arguments".split())
GLOBALS = frozenset(
    "$ Math JSON Date String Number Boolean Array Object RegExp Error TypeError RangeError "
    "SyntaxError ReferenceError parseInt parseFloat isNaN isFinite encodeURIComponent "
    "decodeURIComponent encodeURI decodeURI escape unescape Java Packages print load Symbol "
    "Map Set WeakMap WeakSet Promise Reflect Proxy BigInt globalThis eval Intl Function "
    "Int8Array Uint8Array Int16Array Uint16Array Int32Array Uint32Array Float32Array "
    "Float64Array ArrayBuffer DataView".split())
DECLARERS = frozenset({"var", "let", "const", "function", "class", "catch"})
#: keywords after which an expression (a value) is expected, like after an operator
EXPRESSION_KEYWORDS = frozenset({"return", "typeof", "void", "delete", "in", "instanceof", "new",
                                 "case", "throw", "yield", "await", "of"})
PUNCTUATORS = sorted(
    "{ } ( ) [ ] ; , < > <= >= == != === !== + - * / % ** ++ -- << >> >>> & | ^ ! ~ && || ?? ? "
    "?. : = += -= *= /= %= **= <<= >>= >>>= &= |= ^= &&= ||= ??= => . ...".split(),
    key=len, reverse=True)
OPENERS = {"(": ")", "[": "]", "{": "}"}
POSTFIX = frozenset({"++", "--"})
UNARY = frozenset({"+", "-", "!", "~", "++", "--", "..."})
NUMBER = re.compile(
    r"0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Non-ASCII as [^\x00-\x7f]: a \u0080-\uffff range costs milliseconds to compile at start.
IDENTIFIER = re.compile(r"(?:[A-Za-z_$]|[^\x00-\x7f])(?:[A-Za-z0-9_$]|[^\x00-\x7f])*")


class _Token:
    __slots__ = ("kind", "text", "newline_before")

    def __init__(self, kind: str, text: str, newline_before: bool) -> None:
        self.kind = kind  # "name", "value", "punct", "regex"
        self.text = text
        self.newline_before = newline_before


def syntax_error(source: str) -> str | None:
    """Why ``source`` is not a JavaScript program Conductor 3.15 accepts, or None."""
    try:
        tokens = _tokenize(source)
        _check_structure(tokens)
        _check_names(tokens)
    except ValueError as exc:
        return str(exc)
    return None


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n, newline = 0, len(source), False
    while i < n:
        char = source[i]
        if char in "\n\r\u2028\u2029":
            newline, i = True, i + 1
            continue
        if char.isspace():
            i += 1
            continue
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            if end < 0:
                raise ValueError("a /* comment is never closed")
            newline = newline or "\n" in source[i:end]
            i = end + 2
            continue
        if char in "'\"`":
            i = _skip_string(source, i)
            tokens.append(_Token("value", source[i - 1:i], newline))
        elif char.isdigit() or (char == "." and i + 1 < n and source[i + 1].isdigit()):
            match = NUMBER.match(source, i)
            assert match is not None
            i = match.end()
            if i < n and (IDENTIFIER.match(source, i) or source[i].isdigit()):
                raise ValueError(f"a number runs into a name at '{source[match.start():i + 1]}' "
                                 "(missing space or operator)")
            tokens.append(_Token("value", match.group(), newline))
        elif IDENTIFIER.match(source, i):
            match = IDENTIFIER.match(source, i)
            assert match is not None
            i = match.end()
            tokens.append(_Token("name", match.group(), newline))
        elif char == "/" and _regex_allowed(tokens):
            i = _skip_regex(source, i)
            tokens.append(_Token("regex", "/", newline))
        else:
            punct = next((p for p in PUNCTUATORS if source.startswith(p, i)), None)
            if punct is None:
                raise ValueError(f"unexpected character '{char}'")
            i += len(punct)
            tokens.append(_Token("punct", punct, newline))
        newline = False
    return tokens


def _skip_string(source: str, start: int) -> int:
    quote, i = source[start], start + 1
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == quote:
            return i + 1
        if char == "\n" and quote != "`":
            break
        i += 1
    raise ValueError(f"a string starting with {quote} is never closed")


def _regex_allowed(tokens: list[_Token]) -> bool:
    if not tokens:
        return True
    last = tokens[-1]
    if last.kind in ("value", "regex"):
        return False
    if last.kind == "name":
        return last.text in EXPRESSION_KEYWORDS
    return last.text not in (")", "]", "}")


def _skip_regex(source: str, start: int) -> int:
    i, in_class = start + 1, False
    while i < len(source) and source[i] != "\n":
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            i += 1
            while i < len(source) and (source[i].isalnum() or source[i] == "_"):
                i += 1
            return i
        i += 1
    raise ValueError("a regular expression is never closed")


def _is_operand(token: _Token) -> bool:
    return token.kind in ("value", "regex") or (
        token.kind == "name" and token.text not in KEYWORDS - {"true", "false", "null", "this",
                                                               "undefined", "NaN", "Infinity",
                                                               "arguments"})


def _expects_operand(token: _Token) -> bool:
    """After this token, a value must follow."""
    if token.kind == "name":
        return token.text in EXPRESSION_KEYWORDS - {"return", "yield"}
    return token.kind == "punct" and token.text not in (
        ")", "]", "}", ";", "(", "[", "{", ",") and token.text not in POSTFIX


def _check_structure(tokens: list[_Token]) -> None:
    stack: list[str] = []
    previous: _Token | None = None
    for token in tokens:
        text = token.text
        if token.kind == "punct" and text in OPENERS:
            stack.append(OPENERS[text])
        elif token.kind == "punct" and text in (")", "]", "}"):
            if not stack:
                raise ValueError(f"'{text}' closes nothing")
            expected = stack.pop()
            if text != expected:
                raise ValueError(f"'{text}' where '{expected}' was expected")
        if previous is not None:
            if _expects_operand(previous) and token.kind == "punct" and \
                    text not in UNARY and text not in OPENERS and not (
                        previous.text == "?" and text == "."):
                raise ValueError(f"'{previous.text}' is followed by '{text}' instead of a value")
            if _is_operand(previous) and _is_operand(token) and not token.newline_before:
                raise ValueError(f"two values with nothing between them: '{previous.text}' "
                                 f"then '{text}'")
        previous = token
    if stack:
        raise ValueError(f"a bracket is never closed (expected '{stack[-1]}')")
    if previous is not None and _expects_operand(previous):
        raise ValueError(f"the expression ends with '{previous.text}', expecting a value after it")


def _check_names(tokens: list[_Token]) -> None:
    declared = _declared_names(tokens)
    for index, token in enumerate(tokens):
        if token.kind != "name" or token.text in KEYWORDS or token.text in GLOBALS or \
                token.text in declared:
            continue
        before = tokens[index - 1].text if index else ""
        after = tokens[index + 1].text if index + 1 < len(tokens) else ""
        if before in (".", "?.") or after == ":" or (after == "(" and before == "function"):
            continue
        raise ValueError(
            f"'{token.text}' is defined nowhere: Conductor 3.15 evaluates the expression on "
            "register, with only $ (the task's inputs) defined, and refuses it (ReferenceError)")


def _declared_names(tokens: list[_Token]) -> set[str]:
    """Names a declaration, a parameter list or an arrow function binds (loosely)."""
    declared: set[str] = set()
    for index, token in enumerate(tokens):
        if token.kind == "name" and token.text in ("function", "catch"):
            j = index + 1
            if j < len(tokens) and tokens[j].kind == "name":
                declared.add(tokens[j].text)
                j += 1
            declared |= _names_in_brackets(tokens, j)
        elif token.kind == "name" and token.text in DECLARERS:
            depth, expect_name = 0, True
            for current in tokens[index + 1:]:
                if current.text in ("(", "[", "{"):
                    depth += 1
                elif current.text in (")", "]", "}"):
                    depth -= 1
                    if depth < 0:
                        break
                elif current.kind == "name" and (expect_name or depth > 0 and expect_name):
                    declared.add(current.text)
                elif depth == 0 and current.text == ";":
                    break
                if depth == 0:
                    expect_name = current.text == ","
                elif current.text in ("{", "[", ","):
                    expect_name = True
                elif current.text == ":":
                    expect_name = True
        elif token.text == "=>" and index:
            previous = tokens[index - 1]
            if previous.kind == "name":
                declared.add(previous.text)
            elif previous.text == ")":
                depth, j = 0, index - 1
                while j >= 0:
                    if tokens[j].text == ")":
                        depth += 1
                    elif tokens[j].text == "(":
                        depth -= 1
                        if depth == 0:
                            break
                    elif tokens[j].kind == "name":
                        declared.add(tokens[j].text)
                    j -= 1
    return declared


def _names_in_brackets(tokens: list[_Token], start: int) -> set[str]:
    names: set[str] = set()
    if start >= len(tokens) or tokens[start].text != "(":
        return names
    depth = 0
    for current in tokens[start:]:
        if current.text == "(":
            depth += 1
        elif current.text == ")":
            depth -= 1
            if depth == 0:
                break
        elif current.kind == "name":
            names.add(current.text)
    return names
