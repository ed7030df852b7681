import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { ReactNode } from 'react';

const useStyles = makeStyles(theme => ({
  // The theme's label grey falls just under 4.5:1 on the page background.
  label: { color: theme.palette.text.primary },
}));

/** A class for form labels that sit on the page background. */
export function useLabelClass(): string {
  return useStyles().label;
}

/** An InfoCard title that is a real heading, for screen reader navigation. */
export function CardTitle(props: { children: ReactNode; level?: 2 | 3 }) {
  return (
    <Typography variant="h5" component={props.level === 3 ? 'h3' : 'h2'}>
      {props.children}
    </Typography>
  );
}
