// A drawing pad: draw a digit with the mouse, a finger or a pen (pointer events); after each stroke (a short
// pause) its canvas goes to Python as grey levels, ink bright on black as MNIST stores digits: PAD x PAD bytes,
// base64 (the "drawing" trigger). "Clear" empties it (the "cleared" trigger).

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const side = data.side, pad = data.pad; // drawn on side x side, sent as pad x pad (side / pad pixels averaged)
  const root = document.createElement("div");
  root.className = "pad";
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = side;
  canvas.setAttribute("aria-label", "Drawing pad: draw one digit");
  const clear = document.createElement("button");
  clear.type = "button";
  clear.textContent = "Clear";
  root.append(canvas, clear);
  parentElement.appendChild(root);

  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  function blank() {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, side, side);
  }
  blank();
  ctx.strokeStyle = "#000000";
  ctx.fillStyle = "#000000";
  ctx.lineWidth = data.stroke;
  ctx.lineCap = ctx.lineJoin = "round";

  let last = null, timer = null;
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * side / box.width, (event.clientY - box.top) * side / box.height];
  };

  function send() {
    const rgba = ctx.getImageData(0, 0, side, side).data;
    const k = side / pad, grey = new Uint8Array(pad * pad);
    for (let y = 0; y < pad; y++) {
      for (let x = 0; x < pad; x++) {
        let sum = 0;
        for (let dy = 0; dy < k; dy++) {
          for (let dx = 0; dx < k; dx++) sum += rgba[4 * ((y * k + dy) * side + x * k + dx)];
        }
        grey[y * pad + x] = 255 - Math.round(sum / (k * k)); // dark ink on the pad: bright ink for the net
      }
    }
    let text = "";
    for (let i = 0; i < grey.length; i += 4096) text += String.fromCharCode(...grey.subarray(i, i + 4096));
    setTriggerValue("drawing", btoa(text));
  }

  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    clearTimeout(timer);
    last = at(event);
    ctx.beginPath();
    ctx.arc(last[0], last[1], data.stroke / 2, 0, 2 * Math.PI);
    ctx.fill();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!last) return;
    const next = at(event);
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(next[0], next[1]);
    ctx.stroke();
    last = next;
  });
  const end = () => {
    if (!last) return;
    last = null;
    clearTimeout(timer);
    timer = setTimeout(send, data.pause * 1000); // one request after the student pauses, not one per stroke
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clear.addEventListener("click", () => {
    clearTimeout(timer);
    blank();
    setTriggerValue("cleared", Date.now());
  });
  return () => { clearTimeout(timer); root.remove(); };
}
