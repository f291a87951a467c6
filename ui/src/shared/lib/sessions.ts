/** A conversation's name for people: its title, else words from its key
 *  (`agent:main:trip-planning` → "Trip planning", `agent:main:main` → "Main conversation"). */
export function sessionName(s: { key: string; title: string }): string {
  const title = s.title.trim();
  if (title && title !== s.key && !/^agent:[^:\s]+:/.test(title)) return title;
  const name = s.key.split(":").pop() ?? s.key;
  if (!name || name === "main") return "Main conversation";
  const words = name.replace(/[-_]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
