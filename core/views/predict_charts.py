"""Lesson 4's presentation: pure functions from a prediction job's events to sentences, tidy frames and charts.

No Streamlit and no MXNet here; see core.predict for the events.
"""
import altair as alt
import numpy as np
import pandas as pd

from core.config import SAMPLES
from core.views.palette import BLUE, DASHES, OKABE_ITO, SHAPES, VERMILLION
from core.lessons.measures import entropy

NET_COLORS = (BLUE, VERMILLION)  # the net with dropout, its twin without (Okabe-Ito)
PERCENT = alt.Axis(format="%")


def of_kind(events, kind):
    return [e for e in events if e["kind"] == kind]


def picture(e):
    """An 'image' event's digit as a 28x28 array, dark ink on white."""
    return 255 - np.array(e["pixels"], dtype=np.uint8).reshape(28, 28)


def weight_pictures(events, raw=False):
    """The first-layer units' images: what training changed, or (raw) the weights themselves."""
    weights = of_kind(events, "weights")[0]
    return [np.array(img, np.uint8).reshape(28, 28) for img in weights["images" if raw else "change_images"]]


# ---- what the events say, in words -----------------------------------------------------------------------------

def net_name(cfg):
    """'dropout 0.5', 'dropout 0.5/0.2' or 'no dropout' for a TrainConfig."""
    p1, p2 = cfg.drop_probs
    return "no dropout" if not (p1 or p2) else f"dropout {p1:g}" if p1 == p2 else f"dropout {p1:g}/{p2:g}"


def averaging_sentence(events, twin_name=None, twin_events=()):
    """The averaging figures in words: one thinned net, the average of 50 (or the most), the full net."""
    by_t = {e["samples"]: e for e in of_kind(events, "averaging")}
    one, many = by_t.get(1), by_t.get(50) or by_t[max(by_t)]
    full = many["full_test_acc"]
    words = []
    if one:
        words.append(f"One thinned net per image scores {one['mc_test_acc']:.1%} "
                     f"({min(one['mc_test_accs']):.1%}..{max(one['mc_test_accs']):.1%} over "
                     f"{len(one['mc_test_accs'])} draws).")
    words.append(f"The average of {many['samples']} scores {many['mc_test_acc']:.1%}; the full net {full:.1%}, "
                 f"from one pass instead of {many['samples']}.")
    twin = of_kind(twin_events, "averaging")
    if twin:
        words.append(f"Its twin with {twin_name} scores {twin[0]['full_test_acc']:.1%}.")
    return " ".join(words) + f" Scored on {many['test_size']:,} test images."


def disagreement(samples):
    """How much of the average's entropy comes from thinned nets disagreeing: H(mean) minus the mean of H(each)."""
    samples = np.asarray(samples, dtype=np.float64)
    return float(entropy(samples.mean(axis=0)) - entropy(samples).mean())


def image_sentence(name, e):
    """One image through one net, in words: the average of T and the full net, their entropies."""
    mc, full = int(np.argmax(e["mc"])), int(np.argmax(e["full"]))
    said = f"says {full} ({e['full'][full]:.2f}), entropy {e['full_entropy']:.2f} nats"
    if np.ptp(np.asarray(e["samples"]), axis=0).max() < 1e-4:  # nothing dropped: every pass is the full net
        return f"With {name}: all {len(e['samples'])} passes are the full net, which {said}; no spread at all."
    return (f"With {name}: the average of {len(e['samples'])} thinned nets says {mc} ({e['mc'][mc]:.2f}), "
            f"entropy {e['mc_entropy']:.2f} nats, of which {max(0.0, disagreement(e['samples'])):.2f} comes from "
            f"the thinned nets disagreeing; the full net {said}.")


def entropy_by_outcome(events, key="mc"):
    """(mean entropy where right, mean entropy where wrong, number wrong) over the scored test images."""
    table = of_kind(events, "test_images")[0]
    right = np.array(table[f"{key}_pred"]) == np.array(table["label"])
    h = np.array(table[f"{key}_entropy"])
    return float(h[right].mean()), float(h[~right].mean()) if (~right).any() else float("nan"), int((~right).sum())


def outcome_sentence(name, events, key="mc"):
    """Is the uncertainty useful? The mean entropy on the images a net gets wrong against those it gets right."""
    right, wrong, n_wrong = entropy_by_outcome(events, key)
    scored = of_kind(events, "averaging")[-1]
    way = f"the average of {scored['samples']} thinned nets" if key == "mc" else "the full net"
    return (f"With {name}, {way} is wrong on {n_wrong} of {scored['test_size']:,} test images: mean entropy "
            f"{wrong:.2f} nats on those, {right:.2f} on the ones it gets right.")


def activation_sentence(named_events):
    """Per hidden layer: each net's fraction of exact zeros and mean activation, in words."""
    stats = [(name, {e["layer"]: e for e in of_kind(events, "activations")}) for name, events in named_events]
    return " ".join(f"Hidden layer {layer}: " + ", ".join(
        f"{by_layer[layer]['zero_fraction']:.0%} of activations are zero with {name} "
        f"(mean {by_layer[layer]['mean_activation']:.2f})" for name, by_layer in stats) + "." for layer in (1, 2))


# ---- averaging thinned nets ------------------------------------------------------------------------------------

def averaging_frame(events):
    """One row per draw of every average: samples (T), draw, accuracy."""
    return pd.DataFrame([{"samples": e["samples"], "draw": i + 1, "accuracy": acc}
                         for e in of_kind(events, "averaging") for i, acc in enumerate(e["mc_test_accs"])])


def full_frame(named_events):
    """Rows net, accuracy: each full net's test accuracy, for [(net name, events)]."""
    return pd.DataFrame([{"net": name, "accuracy": of_kind(events, "averaging")[0]["full_test_acc"]}
                         for name, events in named_events])


def averaging_chart(draws, full):
    """Test accuracy of the average of T thinned nets against T (log scale): a dot per draw, a line through
    their means; each full net (every unit kept) as a dashed rule. draws: samples, draw, accuracy; full: net, accuracy.
    """
    ts = sorted(set(draws.samples))
    x = alt.X("samples:Q", title="thinned nets averaged per image (T)", axis=alt.Axis(values=ts or list(SAMPLES)),
              scale=alt.Scale(type="log", domain=[min(ts), max(ts)], nice=False))
    y = alt.Y("accuracy:Q", title="test accuracy", axis=PERCENT, scale=alt.Scale(zero=False))
    dots = alt.Chart(draws).mark_circle(size=45, opacity=0.45, color=NET_COLORS[0]).encode(
        x=x, y=y, tooltip=["samples:Q", "draw:Q", alt.Tooltip("accuracy:Q", format=".2%")])
    line = alt.Chart(draws).mark_line(color=NET_COLORS[0]).encode(x=x, y="mean(accuracy):Q")
    color = alt.Color("net:N", scale=alt.Scale(range=list(NET_COLORS)), legend=alt.Legend(orient="bottom"),
                      title="full net (every unit kept)")
    dash = alt.StrokeDash("net:N", scale=alt.Scale(range=list(DASHES[1:])), legend=alt.Legend(orient="bottom"),
                          title="full net (every unit kept)")  # the nets' rules: a dash pattern each
    rules = alt.Chart(full).mark_rule(strokeWidth=2).encode(
        y="accuracy:Q", color=color, strokeDash=dash, tooltip=["net:N", alt.Tooltip("accuracy:Q", format=".2%")])
    return (rules + line + dots).properties(height=300)


# ---- uncertainty of single images ------------------------------------------------------------------------------

def class_frames(named_images):
    """(samples, summary) for one image as seen by several nets: [(net name, 'image' event)].

    samples: net, class, draw, probability (every thinned net's softmax output);
    summary: net, class, mc (the average of the T samples), full (the full net's output).
    """
    samples, summary = [], []
    for name, e in named_images:
        for draw, row in enumerate(e["samples"]):
            samples += [{"net": name, "class": c, "draw": draw, "probability": p} for c, p in enumerate(row)]
        summary += [{"net": name, "class": c, "mc": m, "full": f} for c, (m, f) in enumerate(zip(e["mc"], e["full"]))]
    return pd.DataFrame(samples), pd.DataFrame(summary)


def distribution_chart(samples, summary, nets):
    """Per class and net: a tick per sampled thinned net, a bar to their average, a diamond at the full net."""
    x = alt.X("class:O", title="class", axis=alt.Axis(labelAngle=0))
    y = alt.Y("probability:Q", title="softmax output", scale=alt.Scale(domain=[0, 1]))
    color = alt.Color("net:N", scale=alt.Scale(domain=list(nets), range=list(NET_COLORS)),
                      legend=alt.Legend(orient="bottom", title=None))
    offset = alt.XOffset("net:N", scale=alt.Scale(domain=list(nets)))
    bars = alt.Chart(summary).mark_bar(opacity=0.3).encode(
        x=x, xOffset=offset, y=alt.Y("mc:Q", title="softmax output"), color=color,
        tooltip=["net:N", "class:O", alt.Tooltip("mc:Q", title="average of T", format=".3f"),
                 alt.Tooltip("full:Q", title="full net", format=".3f")])
    ticks = alt.Chart(samples).mark_tick(opacity=0.25, thickness=1).encode(x=x, xOffset=offset, y=y, color=color)
    full = alt.Chart(summary).mark_point(shape="diamond", filled=True, size=70, color="black").encode(
        x=x, xOffset=offset, y="full:Q")
    return (bars + ticks + full).properties(height=260)


def rotation_classes(rotated, limit=4):
    """The classes the average of T thinned nets puts first at some angle (at most `limit`, most often first)."""
    leaders = pd.Series([int(np.argmax(e["mc"])) for e in rotated]).value_counts()
    return sorted(leaders.index[:limit].tolist())


def rotation_frames(rotated, classes):
    """(samples, means) for a digit turned in steps ('rotated' events of one net) and the classes to follow."""
    samples = [{"angle": e["angle"], "class": str(c), "probability": row[c]}
               for e in rotated for row in e["samples"] for c in classes]
    means = [{"angle": e["angle"], "class": str(c), "probability": e["mc"][c]} for e in rotated for c in classes]
    return pd.DataFrame(samples), pd.DataFrame(means)


def rotation_chart(samples, means):
    """Softmax outputs of the followed classes against the angle: a dot per thinned net, a line through their mean."""
    x = alt.X("angle:Q", title="turned by (degrees, anticlockwise)", axis=alt.Axis(values=sorted(set(means.angle))))
    y = alt.Y("probability:Q", title="softmax output", scale=alt.Scale(domain=[0, 1]))
    color = alt.Color("class:N", title="class", legend=alt.Legend(orient="bottom"),
                      scale=alt.Scale(range=list(OKABE_ITO)))
    shape = alt.Shape("class:N", title="class", legend=alt.Legend(orient="bottom"), scale=alt.Scale(range=list(SHAPES)))
    dash = alt.StrokeDash("class:N", title="class", legend=alt.Legend(orient="bottom"),
                          scale=alt.Scale(range=list(DASHES)))
    dots = alt.Chart(samples).mark_circle(size=14, opacity=0.18).encode(x=x, y=y, color=color)
    lines = alt.Chart(means).mark_line(point=True, strokeWidth=2.5).encode(
        x=x, y=y, color=color, shape=shape, strokeDash=dash, tooltip=["angle:Q", "class:N", alt.Tooltip("probability:Q", format=".3f")])
    return (dots + lines).properties(height=280)


def entropy_frame(named_rotated):
    """Rows angle, net, way, entropy for [(net name, its 'rotated' events)]: the average of T and the full net."""
    return pd.DataFrame([{"angle": e["angle"], "net": name, "way": way, "entropy": e[key]}
                         for name, rotated in named_rotated for e in rotated
                         for way, key in (("average of T", "mc_entropy"), ("full net", "full_entropy"))])


def entropy_chart(df, nets):
    """Predictive entropy against the angle: colour for the net, dashes for the full net; ln 10 as a dotted ceiling."""
    x = alt.X("angle:Q", title="turned by (degrees, anticlockwise)", axis=alt.Axis(values=sorted(set(df.angle))))
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=x, y=alt.Y("entropy:Q", title="entropy (nats)", scale=alt.Scale(domain=[0, 2.35])),
        color=alt.Color("net:N", scale=alt.Scale(domain=list(nets), range=list(NET_COLORS)),
                        legend=alt.Legend(orient="bottom", title=None)),
        shape=alt.Shape("net:N", scale=alt.Scale(domain=list(nets), range=list(SHAPES)),
                        legend=alt.Legend(orient="bottom", title=None)),  # the nets: a colour and a shape each
        strokeDash=alt.StrokeDash("way:N", scale=alt.Scale(domain=["average of T", "full net"]),
                                  legend=alt.Legend(orient="bottom", title=None, symbolType="stroke")),
        tooltip=["angle:Q", "net:N", "way:N", alt.Tooltip("entropy:Q", format=".3f")])
    ceiling = alt.Chart(pd.DataFrame({"entropy": [np.log(10)]})).mark_rule(strokeDash=[2, 2], color="gray").encode(
        y="entropy:Q")
    return (lines + ceiling).properties(height=260)


def least_sure_frame(events, twin_name, twin_events):
    """The least sure test images of the net with dropout, with its full net's and its twin's answers."""
    twin = of_kind(twin_events, "test_images")[0]
    where = {index: k for k, index in enumerate(twin["index"])}
    rows = []
    for e in (e for e in of_kind(events, "image") if e["role"] == "ambiguous"):
        k = where.get(e["index"])
        rows.append({"test image": e["index"], "true": e["label"], "average of T says": int(np.argmax(e["mc"])),
                     "entropy": round(e["mc_entropy"], 2), "full net says": int(np.argmax(e["full"])),
                     f"{twin_name} says": None if k is None else twin["full_pred"][k],
                     f"{twin_name}, entropy": None if k is None else round(twin["full_entropy"][k], 2)})
    return pd.DataFrame(rows)


# ---- inside the net ----------------------------------------------------------------------------------------------

def activation_frame(named_events):
    """Rows net, layer, activation (bin start), fraction (of all activations) for [(net name, events)]."""
    rows = []
    for name, events in named_events:
        for e in of_kind(events, "activations"):
            rows += [{"net": name, "layer": f"hidden layer {e['layer']}", "activation": lo, "fraction": n / e["size"]}
                     for lo, n in zip(e["edges"], e["counts"])]
    return pd.DataFrame(rows)


def activation_chart(df, nets, title=None):
    """Histogram of the positive activations (as a fraction of all, zeros left out) of one layer, nets overlaid.
    One chart per layer, side by side in the page's columns (stacked on a phone: a facet would not fit)."""
    return alt.Chart(df).mark_line(interpolate="step-after", strokeWidth=2).encode(
        x=alt.X("activation:Q", title="activation (after ReLU; exact zeros not drawn)"),
        y=alt.Y("fraction:Q", title="fraction of all activations", axis=PERCENT),
        color=alt.Color("net:N", scale=alt.Scale(domain=list(nets), range=list(NET_COLORS)),
                        legend=alt.Legend(orient="bottom", title=None)),
        strokeDash=alt.StrokeDash("net:N", scale=alt.Scale(domain=list(nets), range=list(DASHES)),
                                  legend=alt.Legend(orient="bottom", title=None)),  # one legend with the colour
        tooltip=["net:N", "layer:N", alt.Tooltip("activation:Q", format=".1f"),
                 alt.Tooltip("fraction:Q", format=".2%")],
    ).properties(height=220, **({"title": title} if title else {}))


# ---- a drawn digit -------------------------------------------------------------------------------------------

def drawn_frame(names, answers, images):
    """Votes and full-net probabilities per image, net and class, tidy: image, net, class, votes, share, full.

    answers: per net, {image key: answer} (core.lessons.prediction.drawing_answers); images: [(key, title)].
    """
    rows = []
    for name, answer in zip(names, answers):
        for key, title in images:
            a = answer[key]
            total = sum(a["votes"])
            rows += [(title, name, k, a["votes"][k], a["votes"][k] / total, a["full"][k]) for k in range(10)]
    return pd.DataFrame(rows, columns=["image", "net", "class", "votes", "share", "full"])


def drawn_chart(df, nets, title=None):
    """For one image, per class and net: the share of thinned nets voting for the class (bars), the full net's
    probability (diamonds), on one 0..1 scale. One chart per image (side by side, stacked on a phone)."""
    x = alt.X("class:O", title="class", axis=alt.Axis(labelAngle=0))
    color = alt.Color("net:N", scale=alt.Scale(domain=list(nets), range=list(NET_COLORS)),
                      legend=alt.Legend(orient="bottom", title=None))
    offset = alt.XOffset("net:N", scale=alt.Scale(domain=list(nets)))
    bars = alt.Chart().mark_bar(opacity=0.55).encode(
        x=x, xOffset=offset, color=color,
        y=alt.Y("share:Q", title="thinned nets' votes (share); diamonds: full net", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        tooltip=["image:N", "net:N", "class:O", alt.Tooltip("votes:Q", title="thinned nets voting"),
                 alt.Tooltip("full:Q", title="full net's probability", format=".1%")])
    full = alt.Chart().mark_point(shape="diamond", filled=True, size=60, color="black").encode(
        x=x, xOffset=offset, y="full:Q")
    return alt.layer(bars, full, data=df).properties(height=220, **({"title": title} if title else {}))


def doubt_sentence(name, answer):
    """One sentence reading a net's doubt about one image from its thinned nets' votes and the full net."""
    votes = np.asarray(answer["votes"])
    total, order = int(votes.sum()), np.argsort(-votes, kind="stable")
    full = int(np.argmax(answer["full"]))
    says = f"the full net says {full} ({answer['full'][full]:.0%})"
    h = f"predictive entropy {answer['mc_entropy']:.2f} nats"
    first, second = int(order[0]), int(order[1])
    if votes[first] == total:
        alone = " (without dropout every pass is the full net: it cannot show doubt by disagreeing)" \
            if name == "no dropout" else ""
        return f"With {name}: all {total} thinned nets say {first}, and {says}{alone}; {h}."
    rest = total - votes[first] - votes[second]
    split = f"{votes[first]} / {votes[second]} between {first} and {second}" + (f" ({rest} elsewhere)" if rest else "")
    verdict = "the net is unsure" if votes[first] < 0.8 * total else "the net is fairly sure"
    return f"With {name}: the thinned nets split {split}, and {says}: {verdict}; {h}."
