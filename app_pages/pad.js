// A drawing pad: draw a digit with the mouse, a finger or a pen (pointer events); after each stroke (a short
// pause) its canvas goes to Python as grey levels, ink bright on black as MNIST stores digits: PAD x PAD bytes,
// base64 (the "drawing" trigger). "Clear" empties it (the "cleared" trigger).
// Without a pointer: Tab to the pad, arrow keys move the pen, Space puts it down or lifts it (drawing as it
// moves), Enter sends the drawing at once, Delete clears.

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const side = data.side, pad = data.pad; // drawn on side x side, sent as pad x pad (side / pad pixels averaged)
  const root = document.createElement("div");
  root.className = "pad";
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = side;
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "Drawing pad: draw one digit. Keyboard: arrow keys move the pen, Space puts "
    + "it down or lifts it, Enter sends the drawing, Delete clears.");
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
  function wipe() {
    clearTimeout(timer);
    blank();
    setTriggerValue("cleared", Date.now());
  }
  clear.addEventListener("click", wipe);

  // The keyboard's pen: starts near the top middle, moves a fifteenth of the pad per key press.
  const step = side / 15, moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
  let pen = [side / 2, side / 4], down = false;
  canvas.addEventListener("keydown", (event) => {
    if (event.key in moves) {
      const [dx, dy] = moves[event.key];
      const next = [Math.min(side, Math.max(0, pen[0] + dx * step)), Math.min(side, Math.max(0, pen[1] + dy * step))];
      if (down) {
        ctx.beginPath();
        ctx.moveTo(pen[0], pen[1]);
        ctx.lineTo(next[0], next[1]);
        ctx.stroke();
      }
      pen = next;
    } else if (event.key === " ") {
      down = !down;
      if (down) {
        clearTimeout(timer);
        ctx.beginPath();
        ctx.arc(pen[0], pen[1], data.stroke / 2, 0, 2 * Math.PI);
        ctx.fill();
      } else {
        timer = setTimeout(send, data.pause * 1000); // as after a stroke drawn by hand
      }
    } else if (event.key === "Enter") {
      clearTimeout(timer);
      send();
    } else if (event.key === "Delete" || event.key === "Backspace") {
      wipe();
    } else {
      return;
    }
    event.preventDefault(); // the page does not scroll under the pen
  });
  return () => { clearTimeout(timer); root.remove(); };
}
