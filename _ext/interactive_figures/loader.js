/* Interactive figures of the book (lossbook.interactive), on the website.
 *
 * Each figure is a <div class="lossbook-interactive"> holding a static picture and its data
 * as JSON (<script type="application/json" class="lossbook-interactive-data">; a second
 * such block with data-rounding-sensitive holds frames whose last digits depend on the
 * machine). For each figure this script
 *   - builds one labelled HTML control per control of the figure: <input type="range"> for
 *     a slider (arrow keys move one step, Home and End to the ends), <select> for a list;
 *   - embeds the Bokeh plot above the text, and hides the static picture, which printing
 *     still shows. BokehJS (served beside this file in the site's _static) is loaded after
 *     the page, so the text and the static pictures show first;
 *   - when a control moves, looks up the frame of the new setting in each group of frames
 *     (key "name=index&..." over the group's controls that are in use) and hands its
 *     arrays to the plot's data sources, and its lines of text to the text under the plot.
 * It computes nothing: every number drawn was computed in Python when the notebook ran.
 */
(function () {
  "use strict";
  const CLASS = "lossbook-interactive";
  const SCHEMA = 1;
  let counter = 0;

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function readSpec(container) {
    let spec = null;
    let sensitive = null;
    for (const script of container.querySelectorAll("script." + CLASS + "-data")) {
      const data = JSON.parse(script.textContent);
      if (script.hasAttribute("data-rounding-sensitive")) sensitive = data;
      else spec = data;
    }
    if (spec === null) throw new Error("interactive figure without data");
    if (spec.schema !== SCHEMA) throw new Error("interactive figure " + spec.name + " has format " + spec.schema + ", this page reads " + SCHEMA);
    if (sensitive !== null) {
      for (const [index, frames] of Object.entries(sensitive.groups)) Object.assign(spec.groups[Number(index)].frames, frames);
    }
    return spec;
  }

  function column(values) {
    return values.map((v) => (v === null ? NaN : v));
  }

  async function setup(container) {
    const spec = readSpec(container);
    const id = CLASS + "-" + ++counter;
    const controls = new Map(spec.controls.map((c) => [c.name, c]));
    const state = new Map(spec.controls.map((c) => [c.name, c.initial]));
    const active = (name) =>
      Object.entries(controls.get(name).when).every(
        ([other, allowed]) => allowed.includes(controls.get(other).values[state.get(other)]) && active(other)
      );

    const live = element("div", { class: CLASS + "-live" });
    const box = element("div", { class: CLASS + "-controls" });
    const plot = element("div", { class: CLASS + "-plot", id: id + "-plot", role: "figure", "aria-label": spec.alt });
    live.append(box, plot);
    container.insertBefore(live, container.firstChild);

    const wrappers = new Map();
    for (const c of spec.controls) {
      const inputId = id + "-" + c.name;
      const wrapper = element("div", { class: CLASS + "-control" });
      const label = element("label", { for: inputId }, c.label);
      let input;
      if (c.kind === "select") {
        input = element("select", { id: inputId });
        c.labels.forEach((text, i) => input.append(element("option", { value: String(i) }, text)));
        input.value = String(c.initial);
        wrapper.append(label, input);
      } else {
        input = element("input", { id: inputId, type: "range", min: "0", max: String(c.values.length - 1), step: "1" });
        input.value = String(c.initial);
        input.setAttribute("aria-valuetext", c.labels[c.initial]);
        const output = element("output", { for: inputId, "aria-hidden": "true" }, c.labels[c.initial]);
        input.addEventListener("input", () => {
          output.textContent = c.labels[Number(input.value)];
          input.setAttribute("aria-valuetext", c.labels[Number(input.value)]);
        });
        wrapper.append(label, input, output);
      }
      input.addEventListener("input", () => {
        state.set(c.name, Number(input.value));
        update();
      });
      wrappers.set(c.name, wrapper);
      box.append(wrapper);
    }

    const texts = new Map();
    for (const p of container.querySelectorAll("." + CLASS + "-text")) {
      p.setAttribute("aria-live", "polite");
      texts.set(p.dataset.text, p);
    }

    const views = await Bokeh.embed.embed_item(spec.bokeh, plot);
    const doc = views.roots[0].model.document;

    function update() {
      for (const [name, wrapper] of wrappers) wrapper.hidden = !active(name);
      for (const group of spec.groups) {
        const key = group.controls.filter(active).map((name) => name + "=" + state.get(name)).join("&");
        const frame = group.frames[key];
        if (frame === undefined) {
          console.error("interactive figure " + spec.name + ": no frame for " + key);
          continue;
        }
        for (const [name, columns] of Object.entries(frame.data || {})) {
          const source = doc.get_model_by_name(name);
          const old = source.data;
          const data = old instanceof Map ? new Map(old) : Object.assign({}, old);
          for (const [col, values] of Object.entries(columns)) {
            if (data instanceof Map) data.set(col, column(values));
            else data[col] = column(values);
          }
          source.data = data;
        }
        for (const [name, text] of Object.entries(frame.text || {})) texts.get(name).textContent = text;
      }
      container.dataset.state = spec.controls.map((c) => c.name + "=" + state.get(c.name)).join("&");
    }

    update();
    container.classList.add("is-live");
  }

  // BokehJS sits beside this file; its name carries the version (data-bokeh on this script).
  const self = document.currentScript;
  const bokehUrl = new URL("bokeh-" + self.dataset.bokeh + ".min.js", self.src).href;

  function start() {
    const figures = document.querySelectorAll("div." + CLASS);
    if (figures.length === 0) return;
    // Loaded after the page, so the text and the static pictures show first.
    const script = document.createElement("script");
    script.src = bokehUrl;
    script.addEventListener("error", () => console.error("interactive figures: BokehJS did not load from " + bokehUrl));
    script.addEventListener("load", () => {
      for (const container of figures) {
        setup(container).catch((error) => console.error("interactive figure " + container.dataset.name + ": " + error));
      }
    });
    document.head.append(script);
  }

  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
