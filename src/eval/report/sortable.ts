/**
 * Click- and keyboard-sortable tables for report.html. The script is the page's only one; the
 * Content-Security-Policy allows exactly it by hash, so injected markup still cannot run code.
 * Cells carry their sort value in `data-v` (numbers), text sorts by locale; missing values ('–')
 * sort last in either direction.
 */
import { createHash } from 'node:crypto';

export const SORT_SCRIPT = `(function(){
document.querySelectorAll('table.sortable').forEach(function(t){
  var heads=t.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads,function(th,col){
    var b=th.querySelector('button'); if(!b) return;
    b.addEventListener('click',function(){
      var asc=th.getAttribute('aria-sort')!=='ascending';
      Array.prototype.forEach.call(heads,function(h){h.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      var body=t.tBodies[0], rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.cells[col], y=b.cells[col];
        var xv=x.getAttribute('data-v'), yv=y.getAttribute('data-v');
        var xm=x.textContent==='–'||x.textContent==='-', ym=y.textContent==='–'||y.textContent==='-';
        if(xm||ym) return xm===ym?0:(xm?1:-1);
        var d=(xv!==null&&yv!==null)?Number(xv)-Number(yv):x.textContent.localeCompare(y.textContent);
        return asc?d:-d;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
});
})();`;

/** The CSP source that allows SORT_SCRIPT and nothing else. */
export const SORT_SCRIPT_CSP = `'sha256-${createHash('sha256').update(SORT_SCRIPT).digest('base64')}'`;

/** The number a formatted cell shows ("12.5", "1,024", "0.7403"), undefined for text. */
export function sortValue(text: string): number | undefined {
  const t = text.replace(/,/g, '').trim();
  return /^[-+]?\d+(\.\d+)?$/.test(t) ? Number(t) : undefined;
}
