import { describe, expect, it } from "vitest";
import { MemorySearchIndex } from "../../src/search/memory";
import { searchTerms } from "../../src/search/text";

const doc = (id: string, title: string, body = "") => ({ id, fields: { title, body } });
const find = async (index: MemorySearchIndex, text: string, from = 0, size = 10) =>
  (await index.search({ text, terms: searchTerms(text), from, size })).map((hit) => hit.id);

describe("search terms", () => {
  it("lower-cases, folds diacritics and splits on anything that is not a letter or digit", () => {
    expect(searchTerms("Crème BRÛLÉE, naïve café!")).toEqual(["creme", "brulee", "naive", "cafe"]);
    expect(searchTerms("user@example.com 3.14 x_y")).toEqual(["user", "example", "com", "3", "14", "x", "y"]);
    expect(searchTerms("東京 タワー")).toEqual(["東京", "タワー"]);
    expect(searchTerms("!!! ... ---")).toEqual([]);
  });
});

describe("memory search index", () => {
  it("requires every term and ranks by BM25: more occurrences and rarer terms score higher", async () => {
    const index = new MemorySearchIndex();
    await index.upsert([
      doc("1", "bread basics", "flour water bread"),
      doc("2", "bread and butter"),
      doc("3", "bread bread bread", "bread"),
      doc("4", "tomatoes"),
    ]);
    expect(await find(index, "bread")).toEqual(["3", "1", "2"]);
    expect(await find(index, "bread butter")).toEqual(["2"]);
    expect(await find(index, "bread tomatoes")).toEqual([]);
    expect(await find(index, "unknown")).toEqual([]);
    const [rare] = await index.search({ text: "butter", terms: ["butter"], from: 0, size: 1 });
    const [common] = await index
      .search({ text: "bread", terms: ["bread"], from: 0, size: 10 })
      .then((hits) => hits.filter((hit) => hit.id === "2"));
    expect(rare!.score).toBeGreaterThan(common!.score);
  });

  it("upsert replaces a document, remove forgets it, unknown ids are fine", async () => {
    const index = new MemorySearchIndex();
    await index.upsert([doc("1", "rye crackers")]);
    await index.upsert([doc("1", "spelt crackers")]);
    expect(await find(index, "rye")).toEqual([]);
    expect(await find(index, "spelt")).toEqual(["1"]);
    await index.remove(["1", "nope"]);
    expect(await find(index, "crackers")).toEqual([]);
    expect(index.size).toBe(0);
  });

  it("pages with from/size, ties ordered by id (numerically when the ids are numbers)", async () => {
    const index = new MemorySearchIndex();
    await index.upsert(["10", "9", "2", "1"].map((id) => doc(id, "same words")));
    expect(await find(index, "same")).toEqual(["1", "2", "9", "10"]);
    expect(await find(index, "same", 1, 2)).toEqual(["2", "9"]);
    expect(await find(index, "same", 4, 2)).toEqual([]);
  });
});
