// Trading conditions: every pair's limits, searchable. The endpoint is public; amounts are decimal strings.
import { api } from "../api.js";
import { amount, badge, fill, h, pageHeader, table } from "../ui.js";

const STATUS = { trading: ["Trading", "ok"], halted: ["Halted", "warn"], cancel_only: ["Cancel only", "warn"] };

export async function render(main) {
  const pairs = await api("GET", "/api/v1/trading-conditions/");
  const search = h("input", { type: "search", id: "pair-search", name: "q", placeholder: "BTC, USD, BTC-USD…", autocomplete: "off" });
  const count = h("p", { class: "muted small", role: "status", "aria-live": "polite" });
  const holder = h("section", { class: "card flush" });
  const show = () => {
    const words = search.value.trim().toUpperCase().split(/[\s/-]+/).filter(Boolean);
    const shown = pairs.filter((pair) => words.every((word) => `${pair.symbol} ${pair.base} ${pair.quote} ${pair.status.toUpperCase()}`.includes(word)));
    count.textContent = `${shown.length} of ${pairs.length} pairs`;
    fill(holder, 
      shown.length
        ? table("Trading conditions", ["Pair", "Status", "Tick size", "Min amount", "Max amount", "Min value", "Max value", "Lot size", "Fee currency"],
          shown.map((pair) => {
            const [label, kind] = STATUS[pair.status] || [pair.status, ""];
            return h("tr", { "data-pair": pair.symbol },
              h("th", { scope: "row" }, `${pair.base}/${pair.quote}`),
              h("td", {}, badge(label, kind)),
              h("td", { class: "num" }, `${amount(pair.tick_size)} ${pair.quote}`),
              h("td", { class: "num" }, `${amount(pair.min_amount)} ${pair.base}`),
              h("td", { class: "num" }, `${amount(pair.max_amount)} ${pair.base}`),
              h("td", { class: "num" }, `${amount(pair.min_value)} ${pair.quote}`),
              h("td", { class: "num" }, `${amount(pair.max_value)} ${pair.quote}`),
              h("td", { class: "num" }, `${amount(pair.lot_size)} ${pair.base}`),
              h("td", {}, pair.fee_currency));
          }))
        : h("p", { class: "empty" }, `No pair matches “${search.value.trim()}”.`),
    );
  };
  search.addEventListener("input", show);
  fill(main, 
    pageHeader("Trading conditions", "The limits every order is checked against: price step, amount and value bounds, and the currency fees are charged in."),
    h("div", { class: "toolbar" }, h("div", { class: "field inline" }, h("label", { for: "pair-search" }, "Search pairs"), search), count),
    holder,
  );
  show();
}
